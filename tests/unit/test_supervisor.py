"""The supervisor's restart policy and the port check, with real (short-lived) processes and sockets."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

from service import supervisor
from service.ports import port_holder
from service.supervisor import Server, StartupError, Supervisor


def crashing_server(tmp_path: Path) -> Server:
    command = [sys.executable, "-c", "import sys; sys.exit(3)"]
    return Server("test server", command, dict(os.environ), tmp_path, 0, lambda: False, "TEST_PORT", tmp_path / "log")


def test_a_server_that_keeps_dying_is_restarted_with_doubling_back_off_and_a_log_line(tmp_path, monkeypatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(supervisor.time, "sleep", waits.append)
    lines: list[str] = []
    server = crashing_server(tmp_path)
    server.spawn().wait()
    rounds = iter(range(6))
    Supervisor([server], ready_timeout=5, log=lines.append).watch(lambda: next(rounds, None) is not None, poll_s=0)
    backoffs = [wait for wait in waits if wait >= 1]
    assert backoffs == [1, 2, 4, 8, 16, 30]
    assert lines[0] == "test server exited with code 3; restarting it in 1 s (restart 1)"
    assert "did not come back: test server exited with code 3 before it was ready" in lines[1]
    assert server.restarts == 6


def test_a_server_up_for_a_minute_starts_its_back_off_afresh(tmp_path, monkeypatch) -> None:
    server = crashing_server(tmp_path)
    server.command = [sys.executable, "-c", "import time; time.sleep(30)"]
    server.spawn()
    server.backoff_s = 16.0
    server.started_at -= supervisor.STABLE_AFTER_S
    rounds = iter(range(1))
    Supervisor([server], 5, print).watch(lambda: next(rounds, None) is not None, poll_s=0)
    server.stop()
    assert server.backoff_s == supervisor.BACKOFF_START_S


def test_a_port_in_use_is_refused_naming_the_port_its_holder_and_the_setting(tmp_path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        assert port_holder(port).startswith(f"pid {os.getpid()} (")
        server = crashing_server(tmp_path)
        server.port = port
        with pytest.raises(StartupError, match=rf"^port {port} \(test server\) is already in use by pid {os.getpid()}"):
            server.check_port()
    server.check_port()  # free again


def test_children_create_private_files(tmp_path) -> None:
    server = crashing_server(tmp_path)
    server.command = [sys.executable, "-c", "open('made-by-child', 'w').close()"]
    server.spawn().wait()
    server.stop()
    assert (tmp_path / "made-by-child").stat().st_mode & 0o077 == 0
