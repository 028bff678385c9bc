"""Which conversation ids belong to which channel.

Why: the tracker store keys every conversation by its sender id alone, so an id
is the only thing that ties a conversation to the person who started it. The
messaging channels make their ids on the server (``telegram-<chat id>``,
``whatsapp-<pseudonym>``), and so does Rasa's socket.io channel
(``socketio-<random session id>``, channels/socketio_channel.py); the REST webhook takes the id from the caller. A
REST caller who could send ``telegram-<someone's chat id>`` would read and
write that person's conversation (chat ids are not secret), so ids carrying
another channel's prefix are refused there.
"""

from __future__ import annotations

TELEGRAM_PREFIX = "telegram-"
WHATSAPP_PREFIX = "whatsapp-"
SOCKETIO_PREFIX = "socketio-"
SERVER_MADE_PREFIXES = (TELEGRAM_PREFIX, WHATSAPP_PREFIX, SOCKETIO_PREFIX)


def owned_by_another_channel(sender: str) -> bool:
    """True for an id only a messaging channel may use (compared without case, so ``Telegram-1`` is refused too)."""
    return sender.casefold().startswith(SERVER_MADE_PREFIXES)
