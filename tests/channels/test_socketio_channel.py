"""Rasa's socket.io channel as this project serves it (channels/socketio_channel.py), without the model.

Each server is ``tests/channels/socketio_harness.py`` in its own process: the channel registered and CORS
configured as ``rasa run`` does, an echo in place of the assistant. The client is python-socketio's, speaking
the events rasa-webchat speaks. The same channel in front of the real assistant:
tests/e2e/test_socketio_conversation.py.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import socketio

from channels.guarded_rest import BUSY_REPLY, FAILURE_REPLY
from channels.reply_texts import load_reply_texts
from channels.socketio_channel import MAX_PACKET_BYTES
from channels.unavailable import unavailable_reply
from channels.webhook_payload import MAX_MESSAGE_CHARS
from service.launcher import PROJECT_ROOT, free_port, url_answers
from tests.channels.socketio_visitor import SocketVisitor, quick_reply_payloads, texts, websocket_handshake

CLINIC = "http://clinic.example"
OTHER_SITE = "http://other-site.example"

# The channels' own replies, as the knowledge file words them.
NON_TEXT_REPLY = load_reply_texts().non_text
COMMAND_REPLY = load_reply_texts().command
EMPTY_MESSAGE_REPLY = load_reply_texts().empty


def start_harness(channel: str, cors: list[str]) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "tests.channels.socketio_harness", "--port", str(port), "--channel", channel]
    process = subprocess.Popen([*command, "--cors", *cors], cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if url_answers(f"{url}/ready"):
                break
            assert process.poll() is None, "the socket.io harness exited"
            asyncio.run(asyncio.sleep(0.25))
        else:
            pytest.fail("the socket.io harness did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def guarded_url() -> Iterator[str]:
    yield from start_harness("guarded", [CLINIC])


@pytest.fixture(scope="module")
def stock_url() -> Iterator[str]:
    yield from start_harness("stock", [CLINIC])


@pytest.fixture(scope="module")
def stock_without_persistence_url() -> Iterator[str]:
    yield from start_harness("stock-no-persistence", [CLINIC])


def run(scenario) -> None:
    asyncio.run(scenario)


def test_stock_rasa_channel_loses_every_answer_with_session_persistence(stock_url: str) -> None:
    """RasaHQ/rasa#13027 with the pinned python-socketio: why credentials.yml does not use Rasa's own class.

    If this starts failing, Rasa (or the pin) fixed the missing ``await``; GuardedSocketIOInput's other
    guards still apply.
    """

    async def scenario() -> None:
        visitor = SocketVisitor(stock_url)
        try:
            await visitor.start()
            await visitor.say("hello")
            assert await visitor.nothing_within(3) == [], "stock Rasa's answer arrived: #13027 is fixed here"
        finally:
            await visitor.close()

    run(scenario())


def test_stock_rasa_channel_answers_without_session_persistence(stock_without_persistence_url: str) -> None:
    """The harness and client are sound: the same stock channel answers when it never enters a room."""

    async def scenario() -> None:
        visitor = SocketVisitor(stock_without_persistence_url)
        try:
            await visitor.start()
            await visitor.say("hello")
            [answer] = await visitor.replies(1, timeout=10)
            assert answer["text"].startswith("echo: hello (")
        finally:
            await visitor.close()

    run(scenario())


def test_session_then_answer_with_quick_replies(guarded_url: str) -> None:
    async def scenario() -> None:
        visitor = SocketVisitor(guarded_url)
        try:
            session_id = await visitor.start()
            assert len(session_id) == 32 and int(session_id, 16) >= 0
            await visitor.say("Does microneedling hurt?")
            [answer] = await visitor.replies(1, timeout=10)
            assert answer["text"] == f"echo: Does microneedling hurt? (socketio-{session_id})"
            assert quick_reply_payloads([answer]) == ["/again"]
        finally:
            await visitor.close()

    run(scenario())


def test_a_turns_buttons_arrive_on_its_last_message(guarded_url: str) -> None:
    """rasa-webchat shows quick replies only under the last message."""

    async def scenario() -> None:
        visitor = SocketVisitor(guarded_url)
        try:
            await visitor.start()
            await visitor.say("answer and disclaimer")
            answer, disclaimer = await visitor.replies(2, timeout=10)
            assert (answer, disclaimer["text"]) == ({"text": "answer"}, "_disclaimer_")
            assert quick_reply_payloads([disclaimer]) == ["/again"]
        finally:
            await visitor.close()

    run(scenario())


def test_a_reload_resumes_its_conversation_and_both_tabs_hear_it(guarded_url: str) -> None:
    async def scenario() -> None:
        first, reloaded = SocketVisitor(guarded_url), SocketVisitor(guarded_url)
        try:
            session_id = await first.start()
            assert await reloaded.start(session_id) == session_id
            await reloaded.say("still there?")
            expected = [f"echo: still there? (socketio-{session_id})"]
            assert texts(await reloaded.replies(1, timeout=10)) == expected
            assert texts(await first.replies(1, timeout=10)) == expected
        finally:
            await first.close()
            await reloaded.close()

    run(scenario())


@pytest.mark.parametrize(
    "requested",
    ["telegram-42", "whatsapp-abc", "visitor-1", "0" * 31, "A" * 32, "0" * 32 + "\n", 42, ["x"], {"a": 1}],
    ids=["telegram", "whatsapp", "rest-style", "short", "upper-case", "trailing-newline", "number", "list", "dict"],
)
def test_a_session_id_the_server_did_not_shape_is_replaced(guarded_url: str, requested: object) -> None:
    async def scenario() -> None:
        visitor = SocketVisitor(guarded_url)
        try:
            session_id = await visitor.start(requested)
            assert session_id != requested and len(session_id) == 32
            await visitor.say("whose?")
            assert texts(await visitor.replies(1, timeout=10)) == [f"echo: whose? (socketio-{session_id})"]
        finally:
            await visitor.close()

    run(scenario())


def test_one_session_never_reads_or_writes_another(guarded_url: str) -> None:
    async def scenario() -> None:
        alice, mallory = SocketVisitor(guarded_url), SocketVisitor(guarded_url)
        try:
            alice_id = await alice.start()
            mallory_id = await mallory.start()
            assert alice_id != mallory_id
            # Mallory claims Alice's session in a message: ignored, nobody hears anything.
            await mallory.say("what did she ask?", session_id=alice_id)
            assert await mallory.nothing_within(1.5) == []
            assert await alice.nothing_within(0) == []
            # Each hears only their own answers.
            await alice.say("private question")
            assert texts(await alice.replies(1, timeout=10)) == [f"echo: private question (socketio-{alice_id})"]
            await mallory.say("mine")
            assert texts(await mallory.replies(1, timeout=10)) == [f"echo: mine (socketio-{mallory_id})"]
            assert await alice.nothing_within(1) == []
            assert await mallory.nothing_within(0) == []
        finally:
            await alice.close()
            await mallory.close()

    run(scenario())


def test_messages_before_a_session_are_ignored(guarded_url: str) -> None:
    async def scenario() -> None:
        visitor = SocketVisitor(guarded_url)
        try:
            await visitor.connect()
            await visitor.say("hello", session_id="0" * 32)
            assert await visitor.nothing_within(1.5) == []
        finally:
            await visitor.close()

    run(scenario())


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("   ", EMPTY_MESSAGE_REPLY),
        ("/restart", COMMAND_REPLY),
        (None, NON_TEXT_REPLY),
        (["does it hurt?"], NON_TEXT_REPLY),
        ("x" * (MAX_MESSAGE_CHARS + 1), f"That message is too long for me ({MAX_MESSAGE_CHARS + 1} characters)"),
    ],
    ids=["blank", "rasa-command", "missing", "not-text", "too-long"],
)
def test_the_rest_webhooks_rules_apply(guarded_url: str, message: object, expected: str) -> None:
    async def scenario() -> None:
        visitor = SocketVisitor(guarded_url)
        try:
            await visitor.start()
            await visitor.say(message)
            [reply] = await visitor.replies(1, timeout=10)
            assert reply["text"].startswith(expected)
        finally:
            await visitor.close()

    run(scenario())


def test_control_characters_are_cleaned_before_the_assistant(guarded_url: str) -> None:
    async def scenario() -> None:
        visitor = SocketVisitor(guarded_url)
        try:
            session_id = await visitor.start()
            await visitor.say("\x00does\ud800 it hurt?")
            assert texts(await visitor.replies(1, timeout=10)) == [f"echo: does\ufffd it hurt? (socketio-{session_id})"]
        finally:
            await visitor.close()

    run(scenario())


@pytest.mark.parametrize(
    ("message", "expected"), [("silence", unavailable_reply()), ("boom", FAILURE_REPLY)], ids=["no-answer", "error"]
)
def test_a_turn_without_answer_or_with_an_error_is_not_silence(guarded_url: str, message: str, expected: str) -> None:
    async def scenario() -> None:
        visitor = SocketVisitor(guarded_url)
        try:
            await visitor.start()
            await visitor.say(message)
            assert texts(await visitor.replies(1, timeout=10)) == [expected]
        finally:
            await visitor.close()

    run(scenario())


def test_a_burst_is_answered_in_order_and_the_excess_refused(guarded_url: str) -> None:
    async def scenario() -> None:
        visitor = SocketVisitor(guarded_url)
        try:
            session_id = await visitor.start()
            for index in range(7):
                await visitor.say("slow" if index == 0 else f"m{index}")
            received = texts(await visitor.replies(7, timeout=20))
            answered = [text for text in received if text != BUSY_REPLY]
            # The first message holds the line for 0.5 s: 4 in flight, 3 refused at once.
            assert received.count(BUSY_REPLY) == 3
            suffix = f" (socketio-{session_id})"
            assert answered == [f"echo: {text}{suffix}" for text in ["slow", "m1", "m2", "m3"]]
        finally:
            await visitor.close()

    run(scenario())


def test_an_oversized_packet_closes_only_that_socket(guarded_url: str) -> None:
    async def scenario() -> None:
        big, other = SocketVisitor(guarded_url), SocketVisitor(guarded_url)
        try:
            await big.start()
            other_id = await other.start()
            await big.say("x" * (MAX_PACKET_BYTES + 10))
            await asyncio.sleep(1.5)
            assert not big.client.connected
            await other.say("fine")
            assert texts(await other.replies(1, timeout=10)) == [f"echo: fine (socketio-{other_id})"]
        finally:
            await big.close()
            await other.close()

    run(scenario())


def test_a_browser_on_another_site_cannot_connect(guarded_url: str) -> None:
    async def scenario() -> None:
        visitor = SocketVisitor(guarded_url, origin=OTHER_SITE)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await visitor.connect()
        await visitor.close()
        for origin in [CLINIC, guarded_url]:  # the configured site, and a page of the server itself
            allowed = SocketVisitor(guarded_url, origin=origin)
            try:
                await allowed.start()
            finally:
                await allowed.close()

    run(scenario())


def test_the_websocket_upgrade_checks_the_origin_too(guarded_url: str) -> None:
    """Browsers apply no CORS to WebSockets: without this check any site could chat as its visitors."""

    async def scenario() -> None:
        assert await websocket_handshake(guarded_url, OTHER_SITE) == 403
        for origin in [CLINIC, guarded_url, None]:
            opened = await websocket_handshake(guarded_url, origin)
            assert isinstance(opened, str) and opened.startswith("0{"), origin

    run(scenario())


def test_cors_headers_name_only_the_configured_origin(guarded_url: str) -> None:
    def handshake(origin: str) -> tuple[int, list[str]]:
        url = f"{guarded_url}/socket.io/?EIO=4&transport=polling"
        request = urllib.request.Request(url, headers={"Origin": origin})
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, reply.headers.get_all("Access-Control-Allow-Origin") or []
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get_all("Access-Control-Allow-Origin") or []

    # Exactly one header: a second one (Engine.IO's next to Sanic-CORS's) makes browsers refuse the answer.
    assert handshake(CLINIC) == (200, [CLINIC])
    assert handshake(OTHER_SITE) == (403, [])
