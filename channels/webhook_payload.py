"""Validate a REST webhook request body before it reaches Rasa.

Kept apart from the Sanic channel so the rules (what is a bad request, what gets
a polite reply without touching the model) are tested without a server.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
_SENDER = re.compile(r"^[A-Za-z0-9_.:@\-]+$")

EMPTY_MESSAGE_REPLY = "Your message seems to be empty. What would you like to know about microneedling?"
TOO_LONG_REPLY = (
    "That message is too long for me ({length} characters). Please ask one question in under {limit} characters."
)


@dataclass(frozen=True)
class BadRequest:
    """The request cannot be processed; ``reason`` is safe to show to the caller."""

    reason: str


@dataclass(frozen=True)
class DirectReply:
    """A valid request answered without the model (empty or oversized message)."""

    sender: str
    text: str


@dataclass(frozen=True)
class ChatMessage:
    """A valid message for the assistant."""

    sender: str
    text: str


WebhookPayload = BadRequest | DirectReply | ChatMessage


def parse_webhook_payload(body: bytes | None) -> WebhookPayload:
    """Check the body is ``{"sender": str, "message": str}`` and decide how to handle it."""
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return BadRequest('The request body must be JSON: {"sender": "<id>", "message": "<text>"}.')
    if not isinstance(data, dict):
        return BadRequest("The request body must be a JSON object with sender and message.")
    sender = data.get("sender")
    if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
        return BadRequest(f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters.")
    if not _SENDER.match(sender):
        return BadRequest("'sender' may only contain letters, digits and _ . : @ -")
    message = data.get("message")
    if not isinstance(message, str):
        return BadRequest("'message' must be a string.")
    if not message.strip():
        return DirectReply(sender, EMPTY_MESSAGE_REPLY)
    if len(message) > MAX_MESSAGE_CHARS:
        return DirectReply(sender, TOO_LONG_REPLY.format(length=len(message), limit=MAX_MESSAGE_CHARS))
    return ChatMessage(sender, message.strip())
