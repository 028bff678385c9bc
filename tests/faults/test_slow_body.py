"""A request whose body stops half-way is cut off after RASA_RESPONSE_TIMEOUT_S, not held for Rasa's hour."""

from __future__ import annotations

import socket
import time

import pytest

from service.launcher import SQLITE_TRACKER_STORE, free_port, running_stack
from tests.faults.traffic import post_message

TIMEOUT_S = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    database = tmp_path_factory.mktemp("slow") / "trackers.db"
    env = {
        "TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE,
        "TRACKER_STORE_URL": f"sqlite:///{database}",
        "RASA_RESPONSE_TIMEOUT_S": str(TIMEOUT_S),
    }
    with running_stack(rasa_port=free_port(), action_port=free_port(), env=env) as running:
        yield running


def test_a_body_that_stops_half_way_is_cut_off(stack) -> None:
    port = int(stack.rasa_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(
            b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"sender": "slow", '
        )
        began = time.monotonic()
        connection.settimeout(TIMEOUT_S + 10)
        answer = connection.recv(4096)  # a 503, or the connection closed (b"")
        held_s = time.monotonic() - began
    assert held_s < TIMEOUT_S + 3, f"held {held_s:.1f} s"
    assert not answer or answer.startswith(b"HTTP/1.1 503"), answer[:100]
    assert post_message(stack.webhook_url, "after-slow", "hello")[0] == 200
