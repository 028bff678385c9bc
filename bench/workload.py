"""The fixed message mixes each bot is driven with: whole conversations, replayed in order.

A conversation is what one visitor (one unique sender) says, start to end. The mixes are fixed, not random,
so two runs do the same work. Ours: greetings, FAQ questions, entity follow-ups that rely on the last topic,
a button payload, an out-of-scope question, thanks and goodbye. Nearly every turn runs a custom action on the
action server (FAQ answers, menu, out-of-scope); thanks/goodbye are domain responses.

Real people's questions (``real-people``): the real-world sets meant for choosing (the development part, the
second development set and the two validation sets; never the test part), each question a one-message conversation
from its own visitor, sent as written and never printed. The FAQ conversations above are all phrased so the first
classifier is sure of them, so they never reach the second opinion (E5 under 0.7 confidence, config.yml); between
a fifth and a third of these do, which is what the issue's latency budget is about.

The ``rasa init`` bot only understands greet, goodbye, affirm, deny, mood_great, mood_unhappy and
bot_challenge, so it gets messages in the style of its own NLU examples: asking it about microneedling would
only exercise its fallback. Its replies are all domain responses (its actions.py is empty), so it never calls
an action server. The report says so next to the figures.
"""

from __future__ import annotations

import functools

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

REAL_PEOPLE = "real-people"
_FIXED_MIXES = {"ours": OUR_CONVERSATIONS, "rasa-init": INIT_BOT_CONVERSATIONS}
MIX_NAMES = (*_FIXED_MIXES, REAL_PEOPLE)


@functools.cache
def real_people_conversations() -> tuple[tuple[str, ...], ...]:
    """One conversation per question of the real-world choosing sets, the four sets interleaved in a fixed order."""
    from evaluation.labelled_data import (
        REAL_WORLD_DEV_FILE,
        REAL_WORLD_VALIDATION_2_FILE,
        REAL_WORLD_VALIDATION_FILE,
        load_real_world,
        real_world_part,
    )

    sets = [
        [m.text for m in load_real_world() if real_world_part(m) == "dev"],
        [m.text for m in load_real_world(REAL_WORLD_DEV_FILE)],
        [m.text for m in load_real_world(REAL_WORLD_VALIDATION_FILE)],
        [m.text for m in load_real_world(REAL_WORLD_VALIDATION_2_FILE)],
    ]
    longest = max(len(texts) for texts in sets)
    return tuple((texts[i],) for i in range(longest) for texts in sets if i < len(texts))


def conversations_of(mix: str) -> tuple[tuple[str, ...], ...]:
    """The conversations of a mix by name (``MIX_NAMES``)."""
    if mix in _FIXED_MIXES:
        return _FIXED_MIXES[mix]
    if mix == REAL_PEOPLE:
        return real_people_conversations()
    raise ValueError(f"unknown mix {mix!r}; one of {', '.join(MIX_NAMES)}")


def messages_per_conversation(mix: str) -> float:
    """Average conversation length of a mix, for the report."""
    conversations = conversations_of(mix)
    return sum(len(conversation) for conversation in conversations) / len(conversations)
