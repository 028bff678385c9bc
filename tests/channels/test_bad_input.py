"""Hostile and broken input on every webhook of the real server: a clear 4xx or a polite reply, never a 500.

Runs against the channel stack (REST, Telegram and WhatsApp all on, a fake
provider behind the last two). Each case checks its own answer; the last test
checks the server still answers a plain question on every channel and that the
Rasa log gained no traceback while the cases ran.
"""

from __future__ import annotations

import html
import json
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from channels.whatsapp_channel import sender_pseudonym
from tests.channels.conftest import LOG_DIR, TELEGRAM_SECRET, TWILIO_TOKEN, post

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
JSON = {"Content-Type": "application/json"}
MEGABYTE = 1_000_000
NESTED = b"[" * 100_000 + b"]" * 100_000


def rest_body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


# Bodies the REST webhook must refuse with 400 and a reason.
REFUSED = {
    "empty-body": b"",
    "null": b"null",
    "number": b"42",
    "string": b'"hello"',
    "array": b'["sender", "message"]',
    "true": b"true",
    "broken-json": b'{"sender": "a", "message": ',
    "invalid-utf8": b"\xff\xfe\xfd",
    "latin1-in-json": b'{"sender": "a", "message": "caf\xe9"}',
    "nested-arrays-100k": NESTED,
    "nested-objects-50k": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "empty-object": b"{}",
    "no-sender": rest_body(message="hi"),
    "no-message": rest_body(sender="bad-input-1"),
    "sender-number": rest_body(sender=123, message="hi"),
    "sender-null": rest_body(sender=None, message="hi"),
    "sender-list": rest_body(sender=["a"], message="hi"),
    "sender-object": rest_body(sender={"id": 1}, message="hi"),
    "sender-empty": rest_body(sender="", message="hi"),
    "sender-too-long": rest_body(sender="a" * 129, message="hi"),
    "sender-trailing-newline": rest_body(sender="bad-input-1\n", message="hi"),
    "sender-path": rest_body(sender="../../etc/passwd", message="hi"),
    "sender-surrogate": rest_body(sender="\ud800", message="hi"),
    "sender-telegram": rest_body(sender="telegram-700001", message="hi"),
    "sender-whatsapp": rest_body(sender="whatsapp-0123456789abcdef0123", message="hi"),
    "sender-telegram-capitalised": rest_body(sender="Telegram-700001", message="hi"),
    "message-null": rest_body(sender="bad-input-1", message=None),
    "message-number": rest_body(sender="bad-input-1", message=5),
    "message-list": rest_body(sender="bad-input-1", message=["hi"]),
    "message-object": rest_body(sender="bad-input-1", message={"text": "hi"}),
    "message-bool": rest_body(sender="bad-input-1", message=True),
}

# Messages the REST webhook must answer politely (200, at least one text reply, for this sender).
ANSWERED = {
    "megabyte": ("x" * MEGABYTE, "too long"),
    "control-characters": ("\x00\x01\x02 does it hurt? \x1b[31m\x7f", None),
    "only-control-characters": ("\x00\x01\x1b", "empty"),
    "lone-surrogate": ("\ud800", None),
    "surrogate-in-text": ("does it \udfff hurt?", None),
    "script-tag": ("<script>alert(1)</script>", None),
    "img-onerror": ('<img src=x onerror="alert(1)">', None),
    "markdown-link": ("**bold** [click](javascript:alert(1))", None),
    "sql": ("'; DROP TABLE events; --", None),
    "template": ("{clinic_name} {phone} {{7*7}} ${jndi:ldap://x}", None),
    "bidi-override": ("\u202edoes it hurt?\u202c", None),
    "zero-width": ("\u200b\u200b\u200b", None),
    "restart": ("/restart", "can't run commands"),
    "session-start": ("/session_start", "can't run commands"),
    "back": ("/back", "can't run commands"),
    "restart-with-entities": ('/restart{"x": 1}', "can't run commands"),
    "injected-slots": ('/greet{"last_topic": "ask_cost", "disclaimer_shown": true}', None),
    "injected-markup-entity": ('/ask_cost{"needle_length": "<b>9 mm</b>"}', None),
    "unknown-intent": ("/not_an_intent", None),
    "broken-payload": ('/greet{"unterminated', None),
    "slash-only": ("/", None),
    "nlu-fallback": ("/nlu_fallback", None),
}


def tracker(stack, sender: str) -> dict:
    url = f"{stack.rasa_url}/conversations/{urllib.parse.quote(sender)}/tracker?token={stack.auth_token}"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())


@pytest.fixture(scope="module")
def log_mark(channel_stack) -> int:
    """Where the Rasa log stood before this module's cases."""
    return (LOG_DIR / "rasa-server.log").stat().st_size


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_rest_refuses_bad_bodies_with_400_and_a_reason(channel_stack, log_mark, body: bytes) -> None:
    status, reply = post(f"{channel_stack.rasa_url}/webhooks/rest/webhook", body, JSON)
    assert status == 400, reply[:300]
    assert json.loads(reply)["error"]


@pytest.mark.parametrize(("message", "expected"), ANSWERED.values(), ids=ANSWERED.keys())
def test_rest_answers_odd_messages_politely(channel_stack, log_mark, message: str, expected: str | None) -> None:
    sender = f"bad-input-{abs(hash(message)) % 10**8}"
    status, reply = post(
        f"{channel_stack.rasa_url}/webhooks/rest/webhook", rest_body(sender=sender, message=message), JSON
    )
    assert status == 200, reply[:300]
    replies = json.loads(reply)
    texts = [item.get("text", "") for item in replies]
    assert texts and all(item["recipient_id"] == sender for item in replies)
    assert all(text.strip() for text in texts)
    if expected:
        assert any(expected in text for text in texts), texts
    assert not any("<script" in text or "<img" in text or "<b>" in text for text in texts)
    assert not any("temporarily unavailable" in text for text in texts), "a lost answer"


def test_injected_slots_are_not_set(channel_stack, log_mark) -> None:
    sender = "bad-input-slots"
    payload = '/greet{"last_topic": "ask_cost", "disclaimer_shown": true}'
    assert post(f"{channel_stack.rasa_url}/webhooks/rest/webhook", rest_body(sender=sender, message=payload), JSON)[0]
    slots = tracker(channel_stack, sender)["slots"]
    assert slots["last_topic"] is None
    assert slots["disclaimer_shown"] is False


def test_rest_cannot_reach_a_telegram_conversation(channel_stack, telegram_user, fake_provider, log_mark) -> None:
    """A REST caller who knows a chat id can neither continue nor wipe that Telegram conversation."""
    assert telegram_user.says("Does microneedling hurt?") == 200
    fake_provider.wait_for(str(telegram_user.chat_id), 2, "sendMessage")
    sender = f"telegram-{telegram_user.chat_id}"
    deadline = time.monotonic() + 10  # the answer goes out before the turn is saved
    while not any(event["event"] == "user" for event in tracker(channel_stack, sender)["events"]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    before = tracker(channel_stack, sender)["events"]
    for message in ("and what about 1 mm needles?", "/restart"):
        status, _ = post(
            f"{channel_stack.rasa_url}/webhooks/rest/webhook", rest_body(sender=sender, message=message), JSON
        )
        assert status == 400
    assert tracker(channel_stack, sender)["events"] == before


TELEGRAM_BODIES = {
    "nested-arrays-100k": (NESTED, 400),
    "invalid-utf8": (b"\xff\xfe{", 400),
    "broken-json": (b'{"update_id": ', 400),
    "null": (b"null", 200),
    "array": (b"[1, 2, 3]", 200),
    "chat-id-string": (json.dumps({"update_id": 1, "message": {"chat": {"id": "7"}, "text": "hi"}}).encode(), 200),
    "chat-id-bool": (json.dumps({"update_id": 2, "message": {"chat": {"id": True}, "text": "hi"}}).encode(), 200),
    "text-not-string": (json.dumps({"update_id": 3, "message": {"chat": {"id": 5}, "text": ["hi"]}}).encode(), 200),
}


@pytest.mark.parametrize(("body", "expected"), TELEGRAM_BODIES.values(), ids=TELEGRAM_BODIES.keys())
def test_telegram_webhook_refuses_or_ignores_broken_updates(channel_stack, log_mark, body: bytes, expected: int):
    url = f"{channel_stack.rasa_url}/webhooks/telegram/webhook"
    status, _ = post(url, body, {**JSON, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert status == expected


TELEGRAM_TEXTS = {
    "lone-surrogate": ("\ud800", None),
    "megabyte": ("y" * MEGABYTE, "too long"),
    "control-characters": ("\x00\x07 does it hurt?", None),
    "markup": ("<b>hi</b> & <script>alert(1)</script>", None),
    "restart": ("/restart", "can't run commands"),
}


@pytest.mark.parametrize(("text", "expected"), TELEGRAM_TEXTS.values(), ids=TELEGRAM_TEXTS.keys())
def test_telegram_answers_odd_texts(telegram_user, fake_provider, log_mark, text: str, expected: str | None) -> None:
    assert telegram_user.says(text) == 200
    sent = fake_provider.wait_for(str(telegram_user.chat_id), 1, "sendMessage")
    assert all(record.status == 200 for record in sent)
    if expected:
        assert any(expected in html.unescape(record.text) for record in sent), [record.text for record in sent]


WHATSAPP_TEXTS = {
    "megabyte": ("z" * MEGABYTE, "too long"),
    "control-characters": ("\x01\x02 does it hurt?", None),
    "markup": ("<script>alert(1)</script>", None),
    "restart": ("/restart", "can't run commands"),
    "injected-slots": ('/greet{"last_topic": "ask_cost"}', None),
}


@pytest.mark.parametrize(("text", "expected"), WHATSAPP_TEXTS.values(), ids=WHATSAPP_TEXTS.keys())
def test_whatsapp_answers_odd_texts(whatsapp_user, fake_provider, log_mark, text: str, expected: str | None) -> None:
    assert whatsapp_user.says(text) == 200
    sent = fake_provider.wait_for(whatsapp_user.address, 1, "Messages")
    assert all(record.status in (200, 201) for record in sent)
    if expected:
        assert any(expected in html.unescape(record.text) for record in sent), [record.text for record in sent]


def test_whatsapp_request_without_a_sender_is_refused(whatsapp_user, log_mark) -> None:
    form = whatsapp_user.form("hi")
    form["From"] = [""]
    status, _ = whatsapp_user.send_form(form, whatsapp_user.sign(form))
    assert status == 400


def test_a_signed_whatsapp_request_without_message_sid_is_refused_not_replayable(
    whatsapp_user, fake_provider, log_mark
) -> None:
    form = whatsapp_user.form("Does it hurt?")
    del form["MessageSid"]
    for _ in range(2):  # a replay of the same signed request
        status, _ = whatsapp_user.send_form(form, whatsapp_user.sign(form))
        assert status == 400
    time.sleep(0.5)
    assert fake_provider.sent(whatsapp_user.address) == []


def test_whatsapp_invalid_utf8_form_is_refused(whatsapp_user, log_mark) -> None:
    status, _ = post(whatsapp_user.webhook_url, b"Body=\xff\xfe&From=x", {"X-Twilio-Signature": "x"})
    assert status == 403


def test_server_still_answers_normally_and_logged_no_traceback(
    channel_stack, telegram_user, whatsapp_user, fake_provider, server_log: Path, log_mark: int
) -> None:
    status, reply = post(
        f"{channel_stack.rasa_url}/webhooks/rest/webhook",
        rest_body(sender="bad-input-after", message="Does it hurt?"),
        JSON,
    )
    assert status == 200
    assert json.loads(reply)[0]["text"] == KNOWLEDGE.faqs["ask_pain"].answer
    assert telegram_user.says("Does microneedling hurt?") == 200
    assert fake_provider.wait_for(str(telegram_user.chat_id), 2, "sendMessage")
    assert whatsapp_user.says("Does microneedling hurt?") == 200
    assert fake_provider.wait_for(whatsapp_user.address, 2, "Messages")
    assert sender_pseudonym(TWILIO_TOKEN, whatsapp_user.address).startswith("whatsapp-")
    time.sleep(0.5)
    with server_log.open("rb") as log:
        log.seek(log_mark)
        written = log.read().decode("utf-8", "replace")
    assert "Traceback" not in written
    assert " 500" not in written
