"""What the chat channels say without the model, read from the knowledge file.

The REST webhook, Telegram and WhatsApp answer an empty, over-long, command or
non-text message themselves (channels.webhook_payload, channels.inbound_text).
Those texts are a clinic's to word, like every other text a patient reads, so
they live in ``knowledge/microneedling_faq.yml`` under ``messages:`` and are
validated by actions.knowledge_loader. The channels run in the Rasa server
process, which loads them when a channel is built: a broken knowledge file
stops the server at start-up, naming the entry and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from actions.knowledge_loader import default_knowledge_base


@dataclass(frozen=True)
class ReplyTexts:
    """The knowledge file's replies to messages the model never sees."""

    empty: str  # messages.empty_message
    command: str  # messages.command_message: "/restart" and Rasa's other commands
    too_long: str  # messages.too_long_message, with {length} and {limit} left to fill
    non_text: str  # messages.non_text_message: a photo, sticker or voice note

    def too_long_reply(self, length: int, limit: int) -> str:
        return self.too_long.format(length=length, limit=limit)


@lru_cache(maxsize=1)
def load_reply_texts() -> ReplyTexts:
    """The texts from the knowledge file ($KNOWLEDGE_FILE or the repo's), read once per process."""
    messages = default_knowledge_base().messages
    return ReplyTexts(
        empty=messages["empty_message"],
        command=messages["command_message"],
        too_long=messages["too_long_message"],
        non_text=messages["non_text_message"],
    )
