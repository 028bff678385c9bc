"""REST webhook bodies: bad requests are refused clearly, odd messages answered politely."""

from __future__ import annotations

import json

import pytest

from channels.webhook_payload import (
    MAX_MESSAGE_CHARS,
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
