"""Start the real action server and Rasa server, and chat over Rasa's socket.io channel as rasa-webchat does.

The client is python-socketio's (long-polling: see tests/channels/socketio_visitor.py); the browser, over
WebSocket, is tests/browser/test_rasa_webchat.py. Stock Rasa's channel would answer nothing here
(RasaHQ/rasa#13027); credentials.yml serves channels/socketio_channel.py.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from service.launcher import DEFAULT_MODEL, PROJECT_ROOT, SQLITE_TRACKER_STORE, Stack, free_port, running_stack
from tests.channels.socketio_visitor import SocketVisitor, quick_reply_payloads, texts

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
CLINIC = "https://www.example-clinic.com"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model; run `make train`")
    log_dir = PROJECT_ROOT / "results" / "e2e-socketio"
    log_dir.mkdir(parents=True, exist_ok=True)
    database = tmp_path_factory.mktemp("trackers") / "trackers.db"
    env = {"TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE, "TRACKER_STORE_URL": f"sqlite:///{database}"}
    with running_stack(
        rasa_port=free_port(), action_port=free_port(), env=env, log_dir=log_dir, cors=CLINIC
    ) as running:  # fmt: skip
        yield running


def paragraphs(messages: list[dict[str, Any]]) -> str:
    """Rasa's socket.io output sends each paragraph of a text as its own message; this joins them back."""
    return "\n\n".join(texts(messages))


def tracker_events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.auth_token}"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())["events"]


def user_texts(events: list[dict[str, Any]]) -> list[str]:
    return [event["text"] for event in events if event["event"] == "user"]


def test_faq_answer_quick_reply_and_the_stored_conversation(stack: Stack) -> None:
    async def scenario() -> None:
        visitor = SocketVisitor(stack.rasa_url, origin=CLINIC)
        try:
            session_id = await visitor.start()
            await visitor.say("Does microneedling hurt?")
            answer = await visitor.replies_until_quiet(quiet_s=3)
            assert paragraphs(answer) == f"{KNOWLEDGE.faqs['ask_pain'].answer.strip()}\n\n_{KNOWLEDGE.disclaimer}_"
            payloads = quick_reply_payloads(answer)
            recovery = next(payload for payload in payloads if payload.startswith("/ask_recovery"))
            await visitor.say(recovery)  # what rasa-webchat sends when the button is clicked
            clicked = await visitor.replies_until_quiet(quiet_s=3)
            assert paragraphs(clicked).startswith(KNOWLEDGE.faqs["ask_recovery"].answer.strip())
        finally:
            await visitor.close()
        events = tracker_events(stack, f"socketio-{session_id}")
        assert user_texts(events) == ["Does microneedling hurt?", recovery]
        assert {event["input_channel"] for event in events if event["event"] == "user"} == {"socketio"}

    asyncio.run(scenario())


def test_a_reload_resumes_the_conversation_and_another_visitor_sees_none_of_it(stack: Stack) -> None:
    async def scenario() -> None:
        first, reloaded, stranger = (SocketVisitor(stack.rasa_url, origin=CLINIC) for _ in range(3))
        try:
            session_id = await first.start()
            await first.say("Does microneedling hurt?")
            await first.replies_until_quiet(quiet_s=3)
            await first.close()
            # The page reloads: rasa-webchat asks for the session id it kept; the follow-up keeps the topic.
            assert await reloaded.start(session_id) == session_id
            await reloaded.say("and what about 1 mm needles?")
            follow_up = await reloaded.replies_until_quiet(quiet_s=3)
            assert texts(follow_up)[0] == KNOWLEDGE.faqs["ask_pain"].variant("needle_length", "1.0 mm").split("\n\n")[0]
            # Another visitor claiming that session in a message is ignored and hears nothing.
            stranger_id = await stranger.start()
            await stranger.say("what did they ask?", session_id=session_id)
            assert await stranger.nothing_within(3) == []
            assert await reloaded.nothing_within(0) == []
        finally:
            for visitor in (first, reloaded, stranger):
                await visitor.close()
        assert user_texts(tracker_events(stack, f"socketio-{session_id}")) == [
            "Does microneedling hurt?",
            "and what about 1 mm needles?",
        ]
        assert user_texts(tracker_events(stack, f"socketio-{stranger_id}")) == []

    asyncio.run(scenario())


def test_the_rest_webhook_cannot_reach_a_socketio_conversation(stack: Stack) -> None:
    body = json.dumps({"sender": "socketio-" + "0" * 32, "message": "hi"}).encode()
    request = urllib.request.Request(stack.webhook_url, data=body, headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400
