"""What a messaging-app message becomes: text for the model, or a polite direct reply.

The same rules as the REST webhook (channels/webhook_payload.py): an empty or
over-long message is answered without touching the model. Photos, stickers and
voice notes have no text, so they get a reply asking for a written question.
"""

from __future__ import annotations

from channels.webhook_payload import ChatMessage, DirectReply, screen_message

NON_TEXT_REPLY = "I can only read written messages. What would you like to know about microneedling?"


def screen_text(sender: str, text: str | None) -> ChatMessage | DirectReply:
    """``ChatMessage`` for the model, or ``DirectReply`` when the text is missing, empty or too long."""
    if text is None:
        return DirectReply(sender, NON_TEXT_REPLY)
    return screen_message(sender, text)
