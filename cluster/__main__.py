"""``python -m cluster`` (``make cluster``): the whole scale-out topology on 127.0.0.1 until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from cluster.stack import ATOMIC_LOCK_STORE, PROJECT_ROOT, Cluster, Ports, Watchers, running_cluster
from service.launcher import DEFAULT_MODEL, StopRequested, _request_stop
from service.supervisor import StartupError

DEFAULT_WORK = PROJECT_ROOT / "build" / "cluster"


def log_line(text: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} cluster: {text}", file=sys.stderr, flush=True)


def banner(cluster: Cluster) -> str:
    ports = cluster.ports
    rasa = "\n".join(f"  Rasa server {n}:    {url}/status?token=<token>" for n, url in enumerate(cluster.rasa_urls, 1))
    actions = "\n".join(
        f"  Action server {n}:  http://127.0.0.1:{port}/health" for n, port in enumerate(ports.actions, 1)
    )
    return f"""
The cluster is running (lock store: {cluster.lock_store}).

  Chat (nginx):     curl -s -X POST {cluster.webhook_url} \\
                      -H 'Content-Type: application/json' \\
                      -d '{{"sender": "me", "message": "Does microneedling hurt?"}}'
  Widget demo:      {cluster.url}/webhooks/widget/demo
{rasa}
{actions}
  Actions (nginx):  http://127.0.0.1:{ports.nginx_actions}/webhook   (what both Rasa servers call)
  PostgreSQL:       {cluster.database_url}   (tracker store)
  Redis:            redis://127.0.0.1:{ports.redis}/1   (lock store)
  Files and logs:   {cluster.work}   (logs/ has one log per server)

Press Ctrl+C to stop everything."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="data, configuration and logs")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", 5080)), help="nginx's port")
    parser.add_argument("--lock-store", default=ATOMIC_LOCK_STORE, help="'redis' for Rasa's own RedisLockStore")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    try:
        ports = Ports.free()
        ports.nginx = args.port
        with running_cluster(args.work, ports, model=args.model, lock_store=args.lock_store, log=log_line) as cluster:
            print(banner(cluster), flush=True)
            with Watchers(cluster, log_line):
                while True:
                    time.sleep(3600)
    except StartupError as error:
        print(f"Could not start the cluster: {error}", file=sys.stderr)
        return 1
    except (StopRequested, KeyboardInterrupt) as stop:
        log_line(f"stopped ({stop or 'SIGINT'}); every server is down")
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
