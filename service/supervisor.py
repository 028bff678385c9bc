"""Keep the action server and the Rasa server running: start, readiness, restart with back-off, clean stop.

Why: ``make run`` used to stop everything the moment one server died (a full
outage until someone noticed), and SIGTERM to it left both servers running as
orphans holding their ports. Here each server is a ``Server`` that can be
(re)started; ``Supervisor.watch`` restarts one that exits, waiting 1, 2, 4 …
30 s between attempts (reset once it has stayed up a minute) and saying so in
the log, while the other keeps serving. Each child also gets SIGTERM from the
kernel if the launcher itself dies, even by SIGKILL (``PR_SET_PDEATHSIG``), and
creates its files without group or other access (umask 077: the tracker
database holds people's health questions).
"""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from service.ports import port_holder

BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0
STABLE_AFTER_S = 60.0  # a server up this long starts its back-off from the beginning again
_PR_SET_PDEATHSIG = 1
# Loaded here, not in the child: between fork and exec the child should only make system calls.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class StartupError(RuntimeError):
    """A server exited, did not answer in time, or a setting is unusable; the message says which and why."""


def _die_with_parent() -> None:
    """In the child before exec: the kernel sends SIGTERM when the launcher dies, even by SIGKILL (Linux)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the process has not exited after 15 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Server:
    """One server process: how to start it, how to tell it is ready, and its current process."""

    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    port: int
    ready: Callable[[], bool]
    port_variable: str
    log_path: Path | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff_s: float = BACKOFF_START_S
    _log_file: TextIO | None = field(default=None, repr=False)

    def check_port(self, interface: str = "127.0.0.1") -> None:
        """One clear line, not a traceback 10 s later, when something already listens on the port."""
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((interface, self.port))
            except OSError:
                holder = port_holder(self.port)
                raise StartupError(
                    f"port {self.port} ({self.name}) is already in use{f' by {holder}' if holder else ''}; "
                    f"stop it, or set {self.port_variable} to another port"
                ) from None

    def popen_options(self) -> dict[str, Any]:
        """More keyword arguments for ``subprocess.Popen`` (the cluster runs PostgreSQL as another account)."""
        return {}

    def spawn(self) -> subprocess.Popen:
        if self.log_path is not None:  # appended: a restarted server's log follows its predecessor's
            self._log_file = open(self.log_path, "a")  # noqa: SIM115 - kept open while the process runs
        output = self._log_file
        self.process = process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            umask=0o077,
            preexec_fn=_die_with_parent,  # after any change of account (popen_options), so the kernel keeps it
            **self.popen_options(),
        )
        self.started_at = time.monotonic()
        return process

    def wait_ready(self, timeout: float, interval: float = 0.25) -> float:
        """Poll ``ready`` until it is true; seconds it took. Fails fast if the process died."""
        assert self.process is not None
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise StartupError(f"{self.name} exited with code {self.process.returncode} before it was ready")
            if self.ready():
                return time.perf_counter() - started
            time.sleep(interval)
        raise StartupError(f"{self.name} did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        """Stop the process (``stop_process``) and close its log."""
        if self.process is not None:
            stop_process(self.process)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


class Supervisor:
    """Restarts servers that exit, with back-off; ``log`` gets one line per event."""

    def __init__(self, servers: list[Server], ready_timeout: float, log: Callable[[str], None]) -> None:
        self.servers = servers
        self.ready_timeout = ready_timeout
        self.log = log

    def watch(self, keep_going: Callable[[], bool] = lambda: True, poll_s: float = 0.5) -> None:
        """Until ``keep_going`` is false (or a signal interrupts): restart any server that exited."""
        while keep_going():
            for server in self.servers:
                if server.process is not None and server.process.poll() is None:
                    if time.monotonic() - server.started_at >= STABLE_AFTER_S:
                        server.backoff_s = BACKOFF_START_S
                    continue
                self.restart(server)
            time.sleep(poll_s)

    def restart(self, server: Server) -> None:
        code = server.process.returncode if server.process is not None else None
        delay = server.backoff_s
        server.backoff_s = min(BACKOFF_MAX_S, server.backoff_s * 2)
        server.restarts += 1
        self.log(f"{server.name} exited with code {code}; restarting it in {delay:g} s (restart {server.restarts})")
        time.sleep(delay)
        began = time.perf_counter()
        server.stop()  # closes the old log handle
        server.spawn()
        try:
            server.wait_ready(self.ready_timeout)
        except StartupError as error:
            self.log(f"{server.name} did not come back: {error}; trying again")
            return
        self.log(f"{server.name} is back (ready {time.perf_counter() - began:.1f} s after the restart)")
