"""What a visitor hears when a turn produced no answer at all: the action server is down or restarting.

Why: when Rasa cannot reach the action server it logs the error and ends the
turn without a message, so the widget showed nothing and Telegram stayed
silent. Every intent of this assistant answers something (data/rules), so a
turn without any message means an answer was lost, and the visitor is told
to try again or call the clinic. The phone number comes from the knowledge
file, read once when the channel is created, so a failure never touches the disk.
"""

from __future__ import annotations

import functools
import logging

logger = logging.getLogger(__name__)

UNAVAILABLE_REPLY = "Sorry, I'm temporarily unavailable. Please try again in a few minutes, or call us on {phone}."
UNAVAILABLE_NO_PHONE = "Sorry, I'm temporarily unavailable. Please try again in a few minutes."


@functools.cache
def unavailable_reply() -> str:
    """The reply, with the clinic's phone number from the knowledge file when it can be read."""
    try:
        from actions.knowledge_loader import default_knowledge_base

        return UNAVAILABLE_REPLY.format(phone=default_knowledge_base().clinic.phone)
    except Exception as error:  # the reply must exist even when the knowledge file does not load
        logger.warning("no clinic phone number for the 'temporarily unavailable' reply: %s", error)
        return UNAVAILABLE_NO_PHONE
