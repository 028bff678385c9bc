"""Nothing acknowledged is lost when the tracker store cannot write, and one stuck write freezes nobody else.

Eight visitors chat without pause while, in turn, another process holds
SQLite's write lock and the database file is made unwritable. Every message
answered 200 must be in the database afterwards; the others got 503 with a
"please send it again" and are not in it; the server's health route kept
answering within a second throughout; and everyone is answered normally again
once the fault is gone.
"""

from __future__ import annotations

import time

from rasa_extensions.save_watch import NOT_STORED_REPLY
from rasa_extensions.sqlite_tracker_store import WRITE_DEADLINE_S
from tests.faults.conftest import LoopProbe, unwritable, write_lock_held
from tests.faults.traffic import Conversations, lost, post_message, stored_user_messages

VISITORS = 8
FAULT_S = 8.0


def run_fault(stack, database, fault, prefix: str) -> tuple[list, float, float]:
    """Traffic before, during and after ``fault``; (messages, when the fault began, when it ended)."""
    with LoopProbe(f"{stack.rasa_url}/webhooks/rest/") as probe:
        traffic = Conversations(stack.webhook_url, prefix, VISITORS, messages_each=10_000).start()
        time.sleep(2)
        began = time.monotonic()
        with fault(database):
            time.sleep(FAULT_S)
        ended = time.monotonic()
        time.sleep(3)
        sent = traffic.stop()
    print(f"\nslowest health check during the fault: {max(probe.latencies):.2f} s")
    # Before the store left the event loop it froze for 8.2 s; the margin is for a busy shared machine.
    assert max(probe.latencies) < 2.5, f"the event loop froze: slowest health check {max(probe.latencies):.2f} s"
    return sent, began, ended


def check_nothing_acknowledged_is_lost(stack, database, sent, began: float, ended: float) -> None:
    stored = stored_user_messages(database, {item.sender for item in sent})
    refused = [item for item in sent if item.status == 503]
    answered = sum(item.acknowledged for item in sent)
    print(
        f"\n{sent[0].sender.rsplit('-', 1)[0]}: {len(sent)} messages, {answered} answered 200, "
        f"{len(refused)} answered 503, {len(lost(sent, stored))} acknowledged but not stored, "
        f"slowest answer {max(i.seconds for i in sent):.2f} s"
    )
    assert lost(sent, stored) == []
    assert refused, "the fault never reached a visitor: the test proved nothing"
    assert not {(item.sender, item.text) for item in refused} & stored, "a message refused with 503 was stored"
    assert {item.status for item in sent} <= {200, 503}
    assert max(item.seconds for item in sent) < WRITE_DEADLINE_S + 5
    # Answered normally again after the fault, each conversation with its stored history.
    after = [item for item in sent if item.at > ended + 1.0]
    assert after and all(item.acknowledged and item.replies for item in after)
    status, _ = post_message(stack.webhook_url, sent[0].sender, "thanks")
    assert status == 200


def test_a_write_lock_held_by_another_process(fault_stack, database) -> None:
    sent, began, ended = run_fault(fault_stack, database, write_lock_held, "locked")
    check_nothing_acknowledged_is_lost(fault_stack, database, sent, began, ended)


def test_an_unwritable_database_file(fault_stack, database) -> None:
    sent, began, ended = run_fault(fault_stack, database, unwritable, "unwritable")
    check_nothing_acknowledged_is_lost(fault_stack, database, sent, began, ended)


def test_the_visitor_is_asked_to_send_again(fault_stack, database) -> None:
    import json
    import urllib.error
    import urllib.request

    body = json.dumps({"sender": "asked-again", "message": "does it hurt?"}).encode()
    request = urllib.request.Request(fault_stack.webhook_url, data=body, headers={"Content-Type": "application/json"})
    with unwritable(database):
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError("answered 200 while the database could not be written")
        except urllib.error.HTTPError as error:
            assert error.code == 503
            assert json.loads(error.read())["error"] == NOT_STORED_REPLY
