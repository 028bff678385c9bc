"""One cluster for the cluster tests: PostgreSQL, Redis, two action servers, two Rasa servers, nginx, on 127.0.0.1.

Started here from a throw-away folder (``tempfile``: PostgreSQL runs as the ``postgres`` account when the tests
run as root, and must reach its folder), stopped and deleted after the last test; the servers' logs are copied to
results/cluster/ first. Skipped where Debian's postgresql, redis-server or nginx is missing (``make cluster-test``
installs them).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.stack import Cluster, missing_packages, running_cluster
from service.launcher import DEFAULT_MODEL, PROJECT_ROOT

LOG_DIR = PROJECT_ROOT / "results" / "cluster"


def log(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} cluster: {line}", flush=True)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    missing = missing_packages()
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (make cluster-test installs them)")
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model; run `make train`")
    work = Path(tempfile.mkdtemp(prefix="cluster-test-"))
    try:
        with running_cluster(work, log=log) as running:
            yield running
    finally:
        if (work / "logs").exists():
            shutil.rmtree(LOG_DIR, ignore_errors=True)
            shutil.copytree(work / "logs", LOG_DIR)
        shutil.rmtree(work, ignore_errors=True)


def restart_rasa_servers(cluster: Cluster, lock_store: str) -> None:
    """Both Rasa servers stopped and started again, one after the other, with another lock store."""
    for server in cluster.named("rasa-"):
        server.stop()
        server.env = {**server.env, "LOCK_STORE_TYPE": lock_store}
        server.spawn()
        server.wait_ready(240)
    cluster.lock_store = lock_store
