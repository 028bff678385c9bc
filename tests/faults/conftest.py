"""A stack of its own for the fault tests: its SQLite file is locked and made unwritable under load."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.launcher import DEFAULT_MODEL, PROJECT_ROOT, SQLITE_TRACKER_STORE, free_port, running_stack

LOG_DIR = PROJECT_ROOT / "results" / "faults"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("trackers") / "trackers.db"


@pytest.fixture(scope="module")
def fault_stack(database: Path):
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model; run `make train`")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    env = {"TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE, "TRACKER_STORE_URL": f"sqlite:///{database}"}
    with running_stack(rasa_port=free_port(), action_port=free_port(), env=env, log_dir=LOG_DIR) as stack:
        yield stack


@contextlib.contextmanager
def write_lock_held(database: Path) -> Iterator[None]:
    """Another process (this test) holds SQLite's write lock, as a backup or a sqlite3 shell would."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


@contextlib.contextmanager
def unwritable(database: Path) -> Iterator[None]:
    """The database and its write-ahead log cannot be written (root ignores file modes, so chattr +i then).

    The ``-shm`` index stays writable: SQLite maps it into memory, and an immutable one kills the reader with SIGBUS.
    """
    files = [str(database), f"{database}-wal"]
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make the database unwritable")
        flag = subprocess.run(["chattr", "+i", *files], capture_output=True, text=True)
        if flag.returncode != 0:
            pytest.skip(f"chattr +i is not supported here: {flag.stderr.strip()}")
        undo = ["chattr", "-i", *files]
    else:
        for name in files:
            os.chmod(name, 0o400)
        undo = None
    try:
        yield
    finally:
        if undo:
            subprocess.run(undo, check=True)
        else:
            for name in files:
                os.chmod(name, 0o600)


class LoopProbe:
    """Asks the server's health route every 0.1 s in a thread; the slowest answer shows whether the loop froze."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LoopProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.perf_counter()
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url, timeout=30) as reply:
                reply.read()
            self.latencies.append(time.perf_counter() - began)
            self._stop.wait(0.1)
