"""``make run``'s launcher survives what an operator does to it.

A server killed with SIGKILL is restarted with back-off and a log line; while
the action server is down a visitor is told to call the clinic; a conversation
resumes with its context after a Rasa crash; SIGTERM and SIGINT stop both
servers with nothing left behind, and so does a SIGKILL of the launcher itself;
a port in use gives one line naming it; the API token is not visible in ``ps``
and the tracker database is readable by its owner only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import time
import urllib.request

import pytest

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from channels.unavailable import UNAVAILABLE_REPLY
from tests.faults.supervised import launched, wait_gone
from tests.faults.traffic import post_message

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
RECOVERY_LIMIT_S = 60.0


def ask(url: str, sender: str, text: str) -> tuple[int, list[str]]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, [item.get("text", "") for item in json.loads(reply.read())]
    except OSError:
        return 0, []


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with launched(tmp_path_factory.mktemp("supervised"), "main") as running:
        yield running


def test_the_token_is_not_visible_in_ps_and_the_database_is_private(stack) -> None:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert stack.token not in listing
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.rasa_port}/status?token={stack.token}", timeout=10) as reply:
        assert reply.status == 200
    for path in stack.database.parent.glob(f"{stack.database.name}*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path.name} is {oct(path.stat().st_mode)}"


def test_a_killed_action_server_is_restarted_and_visitors_are_told_to_call_meanwhile(stack) -> None:
    sender = "supervised-actions"
    assert ask(stack.webhook_url, sender, "Does microneedling hurt?")[1][0] == KNOWLEDGE.faqs["ask_pain"].answer
    old_pid = stack.action_pid
    killed_at = time.monotonic()
    os.kill(old_pid, signal.SIGKILL)
    told_to_call = 0
    while True:
        assert time.monotonic() - killed_at < RECOVERY_LIMIT_S, stack.log_text()[-3000:]
        status, texts = ask(stack.webhook_url, sender, "how much is it?")
        assert status == 200 and texts, "a visitor got an error or silence while the action server was down"
        if texts[0] == KNOWLEDGE.faqs["ask_cost"].answer:
            break
        assert texts == [UNAVAILABLE_REPLY.format(phone=KNOWLEDGE.clinic.phone)]
        told_to_call += 1
        time.sleep(0.2)
    recovery_s = time.monotonic() - killed_at
    print(f"\naction server SIGKILL: answers again after {recovery_s:.1f} s; {told_to_call} replies said to call")
    assert told_to_call >= 1
    assert stack.action_pid not in (None, old_pid)
    assert "action server exited with code -9; restarting it in 1 s" in stack.log_text()


def test_a_killed_rasa_server_is_restarted_and_the_conversation_resumes_with_its_context(stack) -> None:
    sender = "supervised-rasa"
    assert ask(stack.webhook_url, sender, "Does microneedling hurt?")[1][0] == KNOWLEDGE.faqs["ask_pain"].answer
    old_pid = stack.rasa_pid
    killed_at = time.monotonic()
    os.kill(old_pid, signal.SIGKILL)
    while post_message(stack.webhook_url, "supervised-probe", "hello", timeout=10)[0] != 200:
        assert time.monotonic() - killed_at < RECOVERY_LIMIT_S + 60, stack.log_text()[-3000:]
        time.sleep(0.2)
    recovery_s = time.monotonic() - killed_at
    print(f"\nRasa server SIGKILL: answers again after {recovery_s:.1f} s")
    follow_up = ask(stack.webhook_url, sender, "and what about 1 mm needles?")[1]
    assert follow_up == [KNOWLEDGE.faqs["ask_pain"].variant("needle_length", "1.0 mm")]
    assert stack.rasa_pid not in (None, old_pid)
    assert "Rasa server exited with code -9; restarting it in 1 s" in stack.log_text()


def test_sigterm_stops_both_servers_and_leaves_nothing_behind(stack) -> None:
    servers = [stack.rasa_pid, stack.action_pid]
    assert all(servers)
    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(30) == 0
    assert wait_gone(servers, 5) == []
    assert "stopped (SIGTERM)" in stack.log_text()
    for port in (stack.rasa_port, stack.action_port):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
            probe.bind(("127.0.0.1", port))  # nobody listens any more: the next `make run` can start


def test_sigint_stops_both_servers(tmp_path) -> None:
    with launched(tmp_path, "sigint") as running:
        servers = [running.rasa_pid, running.action_pid]
        running.process.send_signal(signal.SIGINT)
        assert running.process.wait(30) == 0
        assert wait_gone(servers, 5) == []


def test_a_killed_launcher_takes_its_servers_with_it(tmp_path) -> None:
    with launched(tmp_path, "sigkill") as running:
        servers = [running.rasa_pid, running.action_pid]
        running.process.kill()
        running.process.wait(10)
        assert wait_gone(servers, 20) == [], "orphaned servers after the launcher was killed"


def test_a_port_in_use_gives_one_line_naming_it_and_its_holder(tmp_path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with launched(tmp_path, "port-in-use", wait=False, rasa_port=port) as running:
            assert running.process.wait(60) == 1
            output = running.log_text().strip().splitlines()
    assert output == [
        f"Could not start the assistant: port {port} (Rasa server) is already in use by pid {os.getpid()} "
        f"({output[0].split(f'pid {os.getpid()} (', 1)[1].split(')')[0]}); stop it, or set RASA_PORT to another port"
    ]
