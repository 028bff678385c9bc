"""Rasa buttons as each messaging app's native quick replies.

Telegram: an inline keyboard, one button per row (titles are up to 40
characters and would be cut off side by side). A tap comes back as a
``callback_query`` whose ``data`` is at most 64 bytes, but payloads here carry
entities (``/ask_recovery{"needle_length": "1.0 mm"}``), so a payload that does
not fit is replaced by a short key remembered in memory.

WhatsApp (through Twilio, plain text): the options are appended as a numbered
list, and a reply that is just one of those numbers stands for the payload
offered last to that person.

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
_NUMBER_REPLY = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")

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


def inline_keyboard(buttons: Sequence[Button], payloads: CallbackPayloads) -> dict[str, Any]:
    """Telegram ``reply_markup`` with one inline button per row."""
    rows = [
        [{"text": str(button.get("title") or button.get("payload")), "callback_data": payloads.encode(payload)}]
        for button in buttons
        if (payload := str(button.get("payload") or ""))
    ]
    return {"inline_keyboard": rows}


def button_title_for(data: str, reply_markup: Mapping[str, Any] | None) -> str | None:
    """Title of the tapped button, read from the message Telegram echoes back in the callback query."""
    for row in (reply_markup or {}).get("inline_keyboard") or []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data and button.get("text"):
                return str(button["text"])
    return None


def numbered_options(buttons: Sequence[Button]) -> str:
    """The options as WhatsApp text: "1. Does it hurt?" per line, then how to choose."""
    lines = [f"{number}. {button.get('title') or button.get('payload')}" for number, button in enumerate(buttons, 1)]
    return "\n".join([*lines, OPTIONS_HINT]) if lines else ""


class OfferedOptions:
    """The payloads last offered to each person, so a reply "2" can stand for the second one.

    Bounded: at most ``max_senders`` people (least recently active dropped first)
    and only for ``ttl_s`` seconds, after which "2" is just text again.
    """

    def __init__(self, max_senders: int = 10_000, ttl_s: float = 24 * 3600) -> None:
        self._offered: BoundedMemory[str, tuple[str, ...]] = BoundedMemory(max_senders, ttl_s)

    def offer(self, sender: str, buttons: Sequence[Button]) -> None:
        payloads = tuple(str(button.get("payload") or "") for button in buttons)
        if any(payloads):
            self._offered.put(sender, payloads)

    def resolve(self, sender: str, text: str) -> str | None:
        """The payload a numeric reply picks, or ``None`` if the text is not one of the offered numbers."""
        match = _NUMBER_REPLY.match(text)
        if not match:
            return None
        offered = self._offered.get(sender)
        index = int(match.group(1)) - 1
        if offered is None or not 0 <= index < len(offered) or not offered[index]:
            return None
        return offered[index]
