"""What a person actually gets for a predicted intent, after the action server's screens.

The same mapping is applied to every system evaluated, because a baseline
would replace only the NLU pipeline: the actions, and so the complication and
unusable-input screens, stay the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.labelled_data import COMPLICATION
from text_screens.complication_screen import Urgency, complication_urgency
from text_screens.message_screen import InputProblem, screen_message


@dataclass(frozen=True)
class TurnOutcome:
    """``faq_answer`` is the topic answered, or None when no FAQ answer is given."""

    faq_answer: str | None
    escalated: bool


def turn_outcome(text: str, predicted_intent: str | None, faq_intents: set[str]) -> TurnOutcome:
    """Mirror action_answer_faq: a complication report or unreadable input never gets an FAQ answer."""
    red_flags = complication_urgency(text) is not Urgency.NONE
    escalated = predicted_intent == COMPLICATION or red_flags
    answers = predicted_intent in faq_intents and not red_flags and screen_message(text) is InputProblem.NONE
    return TurnOutcome(predicted_intent if answers else None, escalated)
