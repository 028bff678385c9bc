"""The fixed message mixes each bot is driven with: whole conversations, replayed in order.

A conversation is what one visitor (one unique sender) says, start to end. The mixes are fixed, not random,
so two runs do the same work. Ours: greetings, FAQ questions, entity follow-ups that rely on the last topic,
a button payload, an out-of-scope question, thanks and goodbye. Nearly every turn runs a custom action on the
action server (FAQ answers, menu, out-of-scope); thanks/goodbye are domain responses.

The ``rasa init`` bot only understands greet, goodbye, affirm, deny, mood_great, mood_unhappy and
bot_challenge, so it gets messages in the style of its own NLU examples: asking it about microneedling would
only exercise its fallback. Its replies are all domain responses (its actions.py is empty), so it never calls
an action server. The report says so next to the figures.
"""

from __future__ import annotations

OUR_CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    ("hi", "Does microneedling hurt?", "and what about 1 mm needles?", "how much is it?", "thanks, bye"),
    (
        "hello there",
        "Is microneedling safe for dark skin?",
        "how long is the recovery?",
        "what's the weather tomorrow?",
    ),
    ("What is microneedling?", "does it help with acne scars?", "how many sessions will I need?", "thank you"),
    (
        "good morning",
        "Can I do it at home with a derma roller?",
        "/ask_recovery",
        "what should I put on my skin after?",
    ),
    ("how is it different from a laser?", "and compared to a chemical peel?", "can you recommend a pizza place?"),
    ("hey", "when will I see results?", "can it be done on the neck?", "how do I book a consultation?", "bye"),
)

INIT_BOT_CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    ("hi", "I am sad", "yes", "bye"),
    ("hello there", "I'm great", "goodbye"),
    ("hey", "not good", "no", "are you a bot?", "see you later"),
    ("good morning", "very good", "of course", "bye"),
    ("hey there", "unhappy", "indeed", "cu"),
    ("good evening", "am I talking to a human?", "perfect", "have a nice day"),
)

MIXES: dict[str, tuple[tuple[str, ...], ...]] = {"ours": OUR_CONVERSATIONS, "rasa-init": INIT_BOT_CONVERSATIONS}


def messages_per_conversation(mix: str) -> float:
    """Average conversation length of a mix, for the report."""
    conversations = MIXES[mix]
    return sum(len(conversation) for conversation in conversations) / len(conversations)
