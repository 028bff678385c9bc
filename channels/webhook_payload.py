"""Validate a REST webhook request body before it reaches Rasa.

Kept apart from the Sanic channel so the rules (what is a bad request, what gets
a polite reply without touching the model) are tested without a server. The
polite replies' wording is the knowledge file's (channels.reply_texts).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from channels.reply_texts import load_reply_texts
from channels.sender_ids import SERVER_MADE_PREFIXES, owned_by_another_channel

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# fullmatch, not ``$``: ``$`` also matches before a trailing newline ("visitor-1\n" passed once).
_SENDER = re.compile(r"[A-Za-z0-9_.:@\-]+")
# C0 and C1 control characters other than tab, newline and carriage return.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Lone UTF-16 surrogates: JSON's "\ud800" decodes to one, and no UTF-8 encoder downstream (spaCy,
# the tracker store, a messaging provider) accepts it.
_SURROGATES = re.compile(r"[\ud800-\udfff]")

# Rasa reads "/name{...}" as the intent "name"; these three are Rasa's own (rasa.shared.core.constants
# DEFAULT_INTENTS) and answer nothing at all: "/restart" wiped the conversation and the widget showed silence.
_PAYLOAD_INTENT = re.compile(r"/(?P<intent>[^{@]*)")
RASA_COMMAND_INTENTS = frozenset({"restart", "back", "session_start"})


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


def clean_text(text: str) -> str:
    """``text`` as the model may see it: lone surrogates become U+FFFD, control characters spaces.

    Why: a lone surrogate crashed the NLU pipeline (a 500 over REST, silence on
    Telegram), and control characters carry no meaning for an FAQ question.
    """
    return _CONTROL_CHARACTERS.sub(" ", _SURROGATES.sub("\ufffd", text))


def parse_json(body: bytes | None) -> object:
    """The decoded JSON body; ``ValueError`` for anything that is not JSON in UTF-8.

    Python's decoder recurses once per nesting level, so 100,000 ``[`` raise
    ``RecursionError`` (which is not a ``ValueError``): that is bad input too.
    """
    try:
        return json.loads(body or b"")
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def parse_webhook_payload(body: bytes | None) -> WebhookPayload:
    """Check the body is ``{"sender": str, "message": str}`` and decide how to handle it."""
    try:
        data = parse_json(body)
    except ValueError:  # UnicodeDecodeError is a ValueError too
        return BadRequest('The request body must be JSON: {"sender": "<id>", "message": "<text>"}.')
    if not isinstance(data, dict):
        return BadRequest("The request body must be a JSON object with sender and message.")
    sender = data.get("sender")
    if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
        return BadRequest(f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters.")
    if not _SENDER.fullmatch(sender):
        return BadRequest("'sender' may only contain letters, digits and _ . : @ -")
    if owned_by_another_channel(sender):
        prefixes = ", ".join(SERVER_MADE_PREFIXES)
        return BadRequest(f"'sender' may not start with any of {prefixes}: those are other channels' conversations.")
    message = data.get("message")
    if not isinstance(message, str):
        return BadRequest("'message' must be a string.")
    return screen_message(sender, message)


def screen_message(sender: str, message: str) -> DirectReply | ChatMessage:
    """A polite direct reply for an empty or over-long message, else the cleaned text for the model."""
    texts = load_reply_texts()
    if len(message) > MAX_MESSAGE_CHARS:
        return DirectReply(sender, texts.too_long_reply(len(message), MAX_MESSAGE_CHARS))
    text = clean_text(message).strip()
    if not text:
        return DirectReply(sender, texts.empty)
    payload = _PAYLOAD_INTENT.match(text)
    if payload and payload.group("intent").strip().casefold() in RASA_COMMAND_INTENTS:
        return DirectReply(sender, texts.command)
    return ChatMessage(sender, text)
