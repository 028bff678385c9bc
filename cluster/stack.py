"""The scale-out topology on one machine: PostgreSQL, Redis, action servers, Rasa servers, nginx, all on 127.0.0.1.

Every piece is a ``service.supervisor.Server`` (one process, a readiness
probe, a log file), started from Debian's packages (``postgres``,
``redis-server``, ``nginx``) and the project's own commands (``service.launcher``'s
``action_command`` and ``rasa_command``, so the Rasa servers run through
``service.rasa_server`` with the project's extensions). Ports are free ones
unless given. ``running_cluster`` starts them in dependency order and stops
them in reverse; ``Watchers`` restarts one that exits, with the launcher's
back-off, each on its own thread so a Rasa server's 20 s start never delays
bringing PostgreSQL back.

    nginx :N  --round robin-->  Rasa server 1, Rasa server 2 (service.rasa_server)
    nginx :A  --round robin-->  action server 1, action server 2     (action_endpoint of both Rasa servers)
    Rasa servers --> PostgreSQL (tracker store, Rasa's SQL schema), Redis (lock store)
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.launcher import (
    DEFAULT_MODEL,
    PROJECT_ROOT,
    action_command,
    auth_token,
    free_port,
    rasa_command,
    rasa_environment,
    server_environment,
    url_answers,
)
from service.supervisor import (
    BACKOFF_MAX_S,
    BACKOFF_START_S,
    STABLE_AFTER_S,
    Server,
    StartupError,
)

ENDPOINTS = PROJECT_ROOT / "cluster" / "endpoints.yml"
ATOMIC_LOCK_STORE = "rasa_extensions.atomic_redis_lock_store.AtomicRedisLockStore"
STOCK_LOCK_STORE = "redis"
REPORTING_SQL_STORE = "rasa_extensions.postgres_tracker_store.PostgresTrackerStore"
STOCK_SQL_STORE = "sql"
DATABASE, DATABASE_USER = "rasa", "rasa"
READY_TIMEOUT_S = 240.0  # two Rasa servers starting on two busy cores
NGINX = "/usr/sbin/nginx"
REDIS_SERVER = "/usr/bin/redis-server"


def postgres_bin_dir() -> Path | None:
    """Debian's newest PostgreSQL server binaries (``/usr/lib/postgresql/<version>/bin``), if installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
    return Path(found[-1]) if found else None


def missing_packages() -> list[str]:
    """The Debian packages the cluster needs that are not installed (``make cluster`` installs them)."""
    missing = [] if postgres_bin_dir() else ["postgresql"]
    missing += [name for name, path in (("redis-server", REDIS_SERVER), ("nginx", NGINX)) if not Path(path).exists()]
    return missing


def _server_account() -> str | None:
    """PostgreSQL refuses to run as root: there it runs as Debian's ``postgres`` account."""
    return "postgres" if os.geteuid() == 0 else None


@dataclass
class ClusterServer(Server):
    """A ``Server`` that may run as another account and stop on another signal (PostgreSQL: SIGINT, fast)."""

    user: str | None = None
    stop_signal: int = signal.SIGTERM

    def popen_options(self) -> dict[str, Any]:
        return {"user": self.user, "group": self.user, "extra_groups": []} if self.user else {}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None


def tcp_answers(port: int, send: bytes, expect: bytes) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(send)
            return sock.recv(64).startswith(expect)
    except OSError:
        return False


def postgres_answers(port: int) -> bool:
    import psycopg2

    try:
        psycopg2.connect(host="127.0.0.1", port=port, user=DATABASE_USER, dbname="postgres", connect_timeout=2).close()
        return True
    except psycopg2.Error:
        return False


@dataclass
class Ports:
    nginx: int
    nginx_actions: int
    postgres: int
    redis: int
    rasa: list[int]
    actions: list[int]

    @classmethod
    def free(cls, rasa_servers: int = 2, action_servers: int = 2) -> Ports:
        return cls(
            free_port(), free_port(), free_port(), free_port(),
            [free_port() for _ in range(rasa_servers)], [free_port() for _ in range(action_servers)],
        )  # fmt: skip


@dataclass
class Cluster:
    """The running cluster: its servers by name, ports and addresses."""

    work: Path
    ports: Ports
    token: str
    lock_store: str
    servers: dict[str, ClusterServer] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.nginx}"

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports.rasa]

    @property
    def database_url(self) -> str:
        return f"postgresql://{DATABASE_USER}@127.0.0.1:{self.ports.postgres}/{DATABASE}"

    def named(self, prefix: str) -> list[ClusterServer]:
        return [server for name, server in self.servers.items() if name.startswith(prefix)]


def nginx_conf(work: Path, ports: Ports) -> str:
    """nginx in front of the Rasa servers (round robin) and of the action servers (round robin).

    A server that refuses a connection is skipped for the next one (``proxy_next_upstream error timeout``) and
    left out for 5 s; a request already sent is never sent twice (nginx does not retry a POST): the visitor sees
    502 for the messages that were inside a server when it died, and sends again.
    """
    rasa = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports.rasa)
    actions = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports.actions)
    temp = work / "nginx-temp"
    return f"""# Generated by cluster/stack.py; every path is inside {work}.
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/logs/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
  # Rasa sends the whole tracker to the action server: keep bodies and answers in memory, never in temp files
  # (the workers run as another account, which may not reach the cluster's folder).
  client_max_body_size 2m;
  client_body_buffer_size 2m;
  proxy_buffer_size 64k;
  proxy_buffers 32 64k;
  proxy_max_temp_file_size 0;
  upstream rasa {{
{rasa}
    keepalive 64;
  }}
  upstream actions {{
{actions}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{ports.nginx} backlog=4096;
    location = /nginx-health {{ return 200 "ok"; }}
    location / {{
      proxy_pass http://rasa;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_connect_timeout 2s;
      proxy_read_timeout 65s;
      proxy_next_upstream error timeout;
    }}
  }}
  server {{
    listen 127.0.0.1:{ports.nginx_actions} backlog=4096;
    location / {{
      proxy_pass http://actions;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
      proxy_next_upstream error timeout;
    }}
  }}
}}
"""


def redis_conf(work: Path, port: int) -> str:
    """Locks only live while a message is answered: no snapshots, no append-only file."""
    return f"""# Generated by cluster/stack.py
bind 127.0.0.1
port {port}
protected-mode yes
daemonize no
save ""
appendonly no
dir {work}
logfile ""
"""


def _answers(url: str) -> Callable[[], bool]:
    """A readiness check that the URL answers (one per server, bound to its own URL)."""
    return lambda: url_answers(url)


def _as_account(command: list[str], account: str | None) -> subprocess.CompletedProcess:
    kwargs: dict[str, Any] = {"user": account, "group": account, "extra_groups": []} if account else {}
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def prepare_postgres(work: Path) -> Path:
    """``initdb`` once (trust authentication on 127.0.0.1 and the cluster's own socket folder only)."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise StartupError("PostgreSQL is not installed (make cluster installs Debian's postgresql package)")
    data = work / "postgres"
    account = _server_account()
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        (work / "postgres-run").mkdir(exist_ok=True)
        if account:
            entry = pwd.getpwnam(account)
            for path in (work, data, work / "postgres-run"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        _as_account([str(bin_dir / "initdb"), "-D", str(data), "-U", DATABASE_USER, "--auth=trust", "-E", "UTF8"],
                    account)  # fmt: skip
    return data


def create_database(port: int) -> None:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=port, user=DATABASE_USER, dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        connection.close()


def build_servers(
    work: Path, ports: Ports, token: str, model: Path, lock_store: str, tracker_store: str, log_dir: Path
) -> dict[str, ClusterServer]:
    """Every server of the cluster, not started, in start order."""
    bin_dir = postgres_bin_dir()
    servers: dict[str, ClusterServer] = {}
    data = work / "postgres"
    servers["postgres"] = ClusterServer(
        "PostgreSQL",
        [str(bin_dir / "postgres") if bin_dir else "postgres", "-D", str(data), "-p", str(ports.postgres),
         "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={work / 'postgres-run'}",
         "-c", "max_connections=300"],
        {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}, work, ports.postgres,
        lambda: postgres_answers(ports.postgres), "postgres port", log_dir / "postgres.log",
        user=_server_account(), stop_signal=signal.SIGINT,
    )  # fmt: skip
    (work / "redis.conf").write_text(redis_conf(work, ports.redis))
    servers["redis"] = ClusterServer(
        "Redis", [REDIS_SERVER, str(work / "redis.conf")], {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, work,
        ports.redis, lambda: tcp_answers(ports.redis, b"PING\r\n", b"+PONG"), "redis port", log_dir / "redis.log",
    )  # fmt: skip
    actions_url = f"http://127.0.0.1:{ports.nginx_actions}"
    env = server_environment(
        {
            "TRACKER_STORE_TYPE": tracker_store,
            "TRACKER_STORE_URL": "127.0.0.1",
            "TRACKER_STORE_PORT": str(ports.postgres),
            "TRACKER_STORE_DB": DATABASE,
            "TRACKER_STORE_USERNAME": DATABASE_USER,
            "TRACKER_STORE_PASSWORD": "",
            "LOCK_STORE_TYPE": lock_store,
            "LOCK_STORE_HOST": "127.0.0.1",
            "LOCK_STORE_PORT": str(ports.redis),
            "LOCK_STORE_DB": "1",
            "LOCK_STORE_PASSWORD": "",
            # Rasa's SQL store: a small pool per server (its queries run one at a time on the event loop).
            "SQL_POOL_SIZE": "5",
            "SQL_MAX_OVERFLOW": "10",
        },
        actions_url,
    )
    for number, port in enumerate(ports.actions, 1):
        servers[f"actions-{number}"] = ClusterServer(
            f"action server {number}", action_command(port), env, PROJECT_ROOT, port,
            _answers(f"http://127.0.0.1:{port}/health"), "ACTION_PORT",
            log_dir / f"action-server-{number}.log",
        )  # fmt: skip
    temp = work / "nginx-temp"
    temp.mkdir(exist_ok=True)
    (work / "nginx.conf").write_text(nginx_conf(work, ports))
    servers["nginx"] = ClusterServer(
        "nginx", [NGINX, "-p", str(work), "-c", str(work / "nginx.conf")], {"PATH": os.environ.get("PATH", "")},
        work, ports.nginx, lambda: url_answers(f"http://127.0.0.1:{ports.nginx}/nginx-health"), "nginx port",
        log_dir / "nginx.log",
    )  # fmt: skip
    for number, port in enumerate(ports.rasa, 1):
        command = rasa_command(model, port, None, env["RASA_RESPONSE_TIMEOUT_S"])
        command[command.index("--endpoints") + 1] = str(ENDPOINTS)
        servers[f"rasa-{number}"] = ClusterServer(
            f"Rasa server {number}", command, rasa_environment(env, token), PROJECT_ROOT, port,
            _answers(f"http://127.0.0.1:{port}/status?token={token}"), "RASA_PORT",
            log_dir / f"rasa-server-{number}.log",
        )  # fmt: skip
    return servers


@contextlib.contextmanager
def running_cluster(
    work: Path,
    ports: Ports | None = None,
    model: Path = DEFAULT_MODEL,
    lock_store: str = ATOMIC_LOCK_STORE,
    tracker_store: str = REPORTING_SQL_STORE,
    log: Callable[[str], None] = lambda line: None,
) -> Iterator[Cluster]:
    """Every server started and answering for the ``with`` block; all stopped after it, newest first."""
    missing = missing_packages()
    if missing:
        raise StartupError(f"not installed: {', '.join(missing)} (make cluster installs them with apt-get)")
    if not model.exists():
        raise StartupError(f"no trained model at {model}; run `make train`")
    work.mkdir(parents=True, exist_ok=True)
    ports = ports or Ports.free()
    log_dir = work / "logs"
    log_dir.mkdir(exist_ok=True)
    prepare_postgres(work)
    cluster = Cluster(work, ports, auth_token(), lock_store)
    cluster.servers = build_servers(work, ports, cluster.token, model, lock_store, tracker_store, log_dir)
    started: list[ClusterServer] = []
    try:
        for name, server in cluster.servers.items():
            server.check_port()
            server.spawn()
            started.append(server)
            seconds = server.wait_ready(READY_TIMEOUT_S)
            log(f"{server.name} ready on 127.0.0.1:{server.port} ({seconds:.1f} s)")
            if name == "postgres":
                create_database(ports.postgres)
        yield cluster
    finally:
        for server in reversed(started):
            server.stop()


class Watchers:
    """Restart any server of the cluster that exits (the launcher's back-off: 1, 2, 4 … 30 s), one thread each.

    ``stop()`` first makes sure no watcher starts a server again, so nothing is left running after it.
    """

    def __init__(self, cluster: Cluster, log: Callable[[str], None], poll_s: float = 0.25) -> None:
        self.cluster = cluster
        self.log = log
        self.poll_s = poll_s
        self.stopping = threading.Event()
        self._spawn_lock = threading.Lock()
        self.restarts: list[tuple[str, float, float]] = []  # (server, exited at, ready at), monotonic seconds
        self._threads = [
            threading.Thread(target=self._watch, args=(server,), daemon=True, name=f"watch-{name}")
            for name, server in cluster.servers.items()
        ]

    def __enter__(self) -> Watchers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        with self._spawn_lock:
            self.stopping.set()

    def _watch(self, server: ClusterServer) -> None:
        spawned = self._watch_until_stopped(server)
        # Linux sends the parent-death signal when the *thread* that forked a process ends, not the process: a
        # watcher that restarted a server stays parked (a daemon thread: it ends with the process), or its
        # server would get SIGTERM the moment the watching stops (found by the soak: PostgreSQL shut down).
        while spawned:
            time.sleep(3600)

    def _watch_until_stopped(self, server: ClusterServer) -> bool:
        """Watch ``server`` until ``stop()``; whether this thread started a process."""
        spawned = False
        while not self.stopping.wait(self.poll_s):
            process = server.process
            if process is not None and process.poll() is None:
                if time.monotonic() - server.started_at >= STABLE_AFTER_S:
                    server.backoff_s = BACKOFF_START_S
                continue
            exited = time.monotonic()
            delay = server.backoff_s
            server.backoff_s = min(BACKOFF_MAX_S, server.backoff_s * 2)
            server.restarts += 1
            code = process.returncode if process is not None else None
            self.log(f"{server.name} exited with code {code}; restarting it in {delay:g} s")
            if self.stopping.wait(delay):
                return spawned
            with self._spawn_lock:
                if self.stopping.is_set():
                    return spawned
                server.stop()
                server.spawn()
                spawned = True
            try:
                server.wait_ready(READY_TIMEOUT_S)
            except StartupError as error:
                self.log(f"{server.name} did not come back: {error}; trying again")
                continue
            self.restarts.append((server.name, exited, time.monotonic()))
            self.log(f"{server.name} is back ({time.monotonic() - exited:.1f} s after it exited)")
        return spawned


def remove_work(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether a GET of ``url`` answers 200 (the banner's self-check)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status == 200
    except OSError:
        return False
