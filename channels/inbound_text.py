"""What a messaging-app message becomes: text for the model, or a polite direct reply.

The same rules as the REST webhook (channels/webhook_payload.py): an empty or
over-long message is answered without touching the model. Photos, stickers and
voice notes have no text, so they get a reply asking for a written question
(``messages.non_text_message`` in the knowledge file).
"""

from __future__ import annotations

from channels.reply_texts import load_reply_texts
from channels.webhook_payload import ChatMessage, DirectReply, screen_message


def screen_text(sender: str, text: str | None) -> ChatMessage | DirectReply:
    """``ChatMessage`` for the model, or ``DirectReply`` when the text is missing, empty or too long."""
    if text is None:
        return DirectReply(sender, load_reply_texts().non_text)
    return screen_message(sender, text)
