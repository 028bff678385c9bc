"""``python -m service.launcher`` (what ``make run`` runs) as a real process: find its servers, wait, signal it."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.procfs import children
from service.launcher import PROJECT_ROOT, SQLITE_TRACKER_STORE, free_port
from tests.faults.traffic import post_message

READY_TIMEOUT_S = 180.0


@dataclass
class Launched:
    """A running launcher and how to reach and inspect it."""

    process: subprocess.Popen
    rasa_port: int
    action_port: int
    token: str
    database: Path
    log: Path

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def server_pid(self, marker: str) -> int | None:
        """The pid of the launcher's child whose command line contains ``marker``."""
        for pid in children(self.process.pid):
            with contextlib.suppress(OSError):
                if marker in (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace"):
                    return pid
        return None

    @property
    def rasa_pid(self) -> int | None:
        return self.server_pid("service.rasa_server")

    @property
    def action_pid(self) -> int | None:
        return self.server_pid("actions\0--port")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_answering(self, timeout: float = READY_TIMEOUT_S, sender: str = "ready-probe") -> float:
        """Seconds until the webhook answers a question with a real reply."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            assert self.process.poll() is None, f"the launcher exited:\n{self.log_text()[-3000:]}"
            status, replies = post_message(self.webhook_url, sender, "hello", timeout=10)
            if status == 200 and replies:
                return time.monotonic() - began
            time.sleep(0.2)
        raise AssertionError(f"not answering after {timeout:.0f} s:\n{self.log_text()[-3000:]}")


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """The pids still alive after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


@contextlib.contextmanager
def launched(tmp_path: Path, name: str, wait: bool = True, **ports: int) -> Iterator[Launched]:
    """The launcher in a session of its own; killed with everything it started at the end, whatever happened."""
    token = secrets.token_urlsafe(24)
    database = tmp_path / f"{name}.db"
    log = tmp_path / f"{name}.log"
    rasa_port, action_port = ports.get("rasa_port") or free_port(), ports.get("action_port") or free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "RASA_AUTH_TOKEN": token,
        "TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE,
        "TRACKER_STORE_URL": f"sqlite:///{database}",
    }
    command = [sys.executable, "-m", "service.launcher", "--port", str(rasa_port), "--action-port", str(action_port)]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    running = Launched(process, rasa_port, action_port, token, database, log)
    try:
        if wait:
            running.wait_answering()
        yield running
    finally:
        leftovers = children(process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(30)
