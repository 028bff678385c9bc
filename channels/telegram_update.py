"""Read a Telegram webhook update: who wrote, what they wrote or which button they tapped.

Pure, so odd updates (edits, stickers, group joins, button taps on old
messages) are tested without a server. Only new messages and button taps are
answered; an edited message is ignored rather than answered twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from channels.sender_ids import TELEGRAM_PREFIX

# Telegram clients send /start when someone opens the bot; /help is a usual command.
COMMANDS = {"start": "/greet", "help": "/help"}
_COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?:\s.*)?$", re.DOTALL)


@dataclass(frozen=True)
class TelegramInbound:
    """One thing to answer. ``text`` is ``None`` for a message without text (photo, sticker...)."""

    update_id: int | None
    chat_id: int
    text: str | None = None
    callback_query_id: str | None = None
    callback_data: str | None = None
    reply_markup: dict[str, Any] | None = None

    @property
    def is_button(self) -> bool:
        return self.callback_query_id is not None

    @property
    def message_id(self) -> int | None:
        """Telegram resends an update it thinks failed with the same ``update_id``."""
        return self.update_id

    @property
    def sender(self) -> str:
        """The conversation id: one per chat."""
        return f"{TELEGRAM_PREFIX}{self.chat_id}"


def parse_update(update: Any) -> TelegramInbound | None:
    """The message or button tap in ``update``; ``None`` when there is nothing to answer."""
    if not isinstance(update, dict):
        return None
    update_id = update.get("update_id") if isinstance(update.get("update_id"), int) else None
    query = update.get("callback_query")
    if isinstance(query, dict):
        tapped: dict[str, Any] = query["message"] if isinstance(query.get("message"), dict) else {}
        chat_id = _chat_id(tapped) or _user_id(query)
        if chat_id is None or not isinstance(query.get("id"), str):
            return None
        markup = tapped.get("reply_markup") if isinstance(tapped.get("reply_markup"), dict) else None
        data = query.get("data") if isinstance(query.get("data"), str) else None
        return TelegramInbound(update_id, chat_id, None, query["id"], data, markup)
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat_id = _chat_id(message)
    if chat_id is None:
        return None
    text = message.get("text") if isinstance(message.get("text"), str) else None
    return TelegramInbound(update_id, chat_id, command_text(text) if text is not None else None)


def command_text(text: str) -> str:
    """``/start`` (with a deep-link parameter or ``@botname``) becomes the greeting; other text is kept."""
    match = _COMMAND.match(text.strip())
    if match and match.group(1).lower() in COMMANDS:
        return COMMANDS[match.group(1).lower()]
    return text


def _chat_id(message: dict[str, Any]) -> int | None:
    chat = message.get("chat")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    return chat_id if isinstance(chat_id, int) and not isinstance(chat_id, bool) else None


def _user_id(query: dict[str, Any]) -> int | None:
    sender = query.get("from")
    user_id = sender.get("id") if isinstance(sender, dict) else None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None
