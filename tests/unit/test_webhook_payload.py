"""REST webhook bodies: bad requests are refused clearly, odd messages answered politely."""

from __future__ import annotations

import json

import pytest

from channels.webhook_payload import (
    MAX_MESSAGE_CHARS,
    RASA_COMMAND_INTENTS,
    BadRequest,
    ChatMessage,
    DirectReply,
    parse_webhook_payload,
)


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{not json",
        b"[1, 2]",
        b"\xff\xfe",
        body(message="hi"),
        body(sender="", message="hi"),
        body(sender="a" * 200, message="hi"),
        body(sender="<script>", message="hi"),
        body(sender="u1"),
        body(sender="u1", message=42),
    ],
)
def test_bad_requests_are_refused_with_a_reason(raw) -> None:
    result = parse_webhook_payload(raw)
    assert isinstance(result, BadRequest) and result.reason


def test_empty_message_gets_a_direct_reply() -> None:
    result = parse_webhook_payload(body(sender="u1", message="   "))
    assert isinstance(result, DirectReply) and "empty" in result.text


def test_huge_message_gets_a_direct_reply() -> None:
    result = parse_webhook_payload(body(sender="u1", message="a" * (MAX_MESSAGE_CHARS + 1)))
    assert isinstance(result, DirectReply) and str(MAX_MESSAGE_CHARS) in result.text


def test_valid_message_is_passed_on_trimmed() -> None:
    assert parse_webhook_payload(body(sender="web-123", message="  does it hurt? 😬 ")) == ChatMessage(
        "web-123", "does it hurt? 😬"
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        body(sender="visitor-1\n", message="hi"),
        body(sender="telegram-42", message="hi"),
        body(sender="WhatsApp-abc", message="hi"),
        body(sender="socketio-" + "0" * 32, message="hi"),
    ],
    ids=["nested-100k", "sender-trailing-newline", "telegram-id", "whatsapp-id", "socketio-id"],
)
def test_deep_nesting_odd_senders_and_other_channels_ids_are_refused(raw) -> None:
    result = parse_webhook_payload(raw)
    assert isinstance(result, BadRequest) and result.reason


def test_surrogates_and_control_characters_are_cleaned_before_the_model() -> None:
    assert parse_webhook_payload(body(sender="u1", message="\x00does\ud800 it\x1b hurt?\x7f")) == ChatMessage(
        "u1", "does\ufffd it  hurt?"
    )
    only_controls = parse_webhook_payload(body(sender="u1", message="\x00\x01\x1b"))
    assert isinstance(only_controls, DirectReply) and "empty" in only_controls.text


@pytest.mark.parametrize("message", ["/restart", " /session_start ", "/back", '/restart{"a": 1}', "/restart@0.9"])
def test_rasa_commands_get_a_reply_instead_of_silence(message: str, knowledge) -> None:
    result = parse_webhook_payload(body(sender="u1", message=message))
    assert result == DirectReply("u1", knowledge.messages["command_message"])


def test_the_refused_commands_are_rasa_default_intents() -> None:
    from rasa.shared.core.constants import DEFAULT_INTENTS

    assert set(RASA_COMMAND_INTENTS) <= set(DEFAULT_INTENTS)


@pytest.mark.parametrize("message", ['/ask_cost{"needle_length": "1.0 mm"}', "/greet", "/human_handoff"])
def test_button_payloads_still_reach_the_model(message: str) -> None:
    assert parse_webhook_payload(body(sender="u1", message=message)) == ChatMessage("u1", message)
