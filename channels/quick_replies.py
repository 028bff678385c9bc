"""Rasa buttons as each messaging app's native quick replies.

Telegram: an inline keyboard, one button per row (titles are up to 40
characters and would be cut off side by side). A tap comes back as a
``callback_query`` whose ``data`` is at most 64 bytes, but payloads here carry
entities (``/ask_recovery{"needle_length": "1.0 mm"}``), so a payload that does
not fit is replaced by a short key remembered in memory.

WhatsApp (through Twilio, plain text): the options are appended as a numbered
list, and a reply that is just one of those numbers stands for the payload
offered last to that person.

Rating buttons (👍 / 👎 under an answer, payloads ``/feedback_…``) stay out of
the way of the follow-ups: one shared last row in Telegram; in WhatsApp they
are not numbered, and a reply that is just 👍 or 👎 stands for them.

Both memories are bounded (entries, age) and per server process; after a
restart an old key or number is unknown and the caller falls back to the
button's title or to treating the digits as ordinary text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from channels.bounded_memory import BoundedMemory

TELEGRAM_CALLBACK_MAX_BYTES = 64
CALLBACK_KEY_PREFIX = "k:"
OPTIONS_HINT = "Reply with a number to choose."
RATING_HINT = "Was this helpful? Reply {choices}."
FEEDBACK_PAYLOAD_PREFIX = "/feedback_"
_NUMBER_REPLY = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
# Skin tones and emoji presentation selectors: "👍🏽" is a 👍.
_EMOJI_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f]")

Button = Mapping[str, Any]


class CallbackPayloads:
    """Short, stable ``callback_data`` for payloads longer than Telegram's 64 bytes.

    The key is a hash of the payload, so the same button always gets the same key
    and the memory holds one entry per distinct long payload, not per message sent.
    """

    def __init__(self, max_entries: int = 10_000, ttl_s: float = 30 * 24 * 3600) -> None:
        self._long_payloads: BoundedMemory[str, str] = BoundedMemory(max_entries, ttl_s)

    def encode(self, payload: str) -> str:
        """``payload`` itself when it fits and cannot be mistaken for a key, else a short key."""
        if len(payload.encode()) <= TELEGRAM_CALLBACK_MAX_BYTES and not payload.startswith(CALLBACK_KEY_PREFIX):
            return payload
        key = CALLBACK_KEY_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:24]
        self._long_payloads.put(key, payload)
        return key

    def decode(self, data: str) -> str | None:
        """The payload behind ``callback_data``; ``None`` for a key this process no longer knows."""
        if data.startswith(CALLBACK_KEY_PREFIX):
            return self._long_payloads.get(data)
        return data


def is_feedback(button: Button) -> bool:
    """A rating button (👍 / 👎) rather than a topic to choose."""
    return str(button.get("payload") or "").startswith(FEEDBACK_PAYLOAD_PREFIX)


def inline_keyboard(buttons: Sequence[Button], payloads: CallbackPayloads) -> dict[str, Any]:
    """Telegram ``reply_markup``: one inline button per row, the rating buttons side by side in the last row."""

    def key(button: Button) -> dict[str, str]:
        payload = str(button.get("payload"))
        return {"text": str(button.get("title") or payload), "callback_data": payloads.encode(payload)}

    usable = [button for button in buttons if button.get("payload")]
    rows = [[key(button)] for button in usable if not is_feedback(button)]
    ratings = [key(button) for button in usable if is_feedback(button)]
    return {"inline_keyboard": [*rows, ratings] if ratings else rows}


def button_title_for(data: str, reply_markup: Mapping[str, Any] | None) -> str | None:
    """Title of the tapped button, read from the message Telegram echoes back in the callback query."""
    for row in (reply_markup or {}).get("inline_keyboard") or []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data and button.get("text"):
                return str(button["text"])
    return None


def numbered_options(buttons: Sequence[Button]) -> str:
    """The options as WhatsApp text: "1. Does it hurt?" per line, then how to choose, then how to rate."""
    topics = [button for button in buttons if not is_feedback(button)]
    lines = [f"{number}. {button.get('title') or button.get('payload')}" for number, button in enumerate(topics, 1)]
    if lines:
        lines.append(OPTIONS_HINT)
    ratings = [str(button.get("title")) for button in buttons if is_feedback(button) and button.get("title")]
    if ratings:
        lines.append(RATING_HINT.format(choices=" or ".join(ratings)))
    return "\n".join(lines)


def _bare_emoji(text: str) -> str:
    return _EMOJI_MODIFIERS.sub("", text).strip()


class OfferedOptions:
    """The payloads last offered to each person, so a reply "2" can stand for the second one.

    Bounded: at most ``max_senders`` people (least recently active dropped first)
    and only for ``ttl_s`` seconds, after which "2" is just text again.
    """

    def __init__(self, max_senders: int = 10_000, ttl_s: float = 24 * 3600) -> None:
        self._offered: BoundedMemory[str, tuple[tuple[str, ...], dict[str, str]]] = BoundedMemory(max_senders, ttl_s)

    def offer(self, sender: str, buttons: Sequence[Button]) -> None:
        numbered = tuple(str(button.get("payload") or "") for button in buttons if not is_feedback(button))
        ratings = {
            _bare_emoji(str(b["title"])): str(b["payload"]) for b in buttons if is_feedback(b) and b.get("title")
        }
        if any(numbered) or ratings:
            self._offered.put(sender, (numbered, ratings))

    def resolve(self, sender: str, text: str) -> str | None:
        """The payload a numeric reply or a rating emoji picks, or ``None`` if the text is neither."""
        offered = self._offered.get(sender)
        if offered is None:
            return None
        numbered, ratings = offered
        if _bare_emoji(text) in ratings:
            return ratings[_bare_emoji(text)]
        match = _NUMBER_REPLY.match(text)
        if not match:
            return None
        index = int(match.group(1)) - 1
        if not 0 <= index < len(numbered) or not numbered[index]:
            return None
        return numbered[index]
