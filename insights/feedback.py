"""Which stored events are a 👍/👎 on an answer, and what they say.

The assistant's 👍/👎 buttons send ``/feedback_helpful`` or
``/feedback_not_helpful``; ``action_record_feedback`` then sets the
``feedback`` slot to ``{"vote": "up" | "down", "topic": <the answer's topic>}``
(shape 2 below), and the click itself is not a question. The report also reads
shape 1, for a deployment whose buttons send the vote as entities. Both are
ordinary Rasa events, so no schema change is needed:

1. A user message with intent ``feedback`` (the buttons' payload, e.g.
   ``/feedback{"vote": "down", "topic": "ask_pain"}``)::

       {"event": "user", "text": "/feedback...", "parse_data": {
           "intent": {"name": "feedback"},
           "entities": [{"entity": "vote", "value": "down"},
                        {"entity": "topic", "value": "ask_pain"}]}}

2. A ``SlotSet`` (or a custom action's event) of the slot ``feedback`` whose
   value holds the vote and, optionally, the topic::

       {"event": "slot", "name": "feedback", "value": {"vote": "up", "topic": "ask_cost"}}

``vote`` is ``up`` or ``down`` (``👍``/``👎``, ``+1``/``-1``, ``yes``/``no``,
``helpful``/``not_helpful`` are read the same). Without a ``topic`` the vote
is for the conversation's most recent answer. Anything else, including a vote
without a recognisable value, is not a vote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.answer_builder import FEEDBACK_VOTES

FEEDBACK_INTENT = "feedback"
# The assistant's own rating intents: their vote is stored by the slot, not read from the click.
RATING_INTENTS = frozenset(FEEDBACK_VOTES)
FEEDBACK_SLOT = "feedback"
UP, DOWN = "up", "down"
_VOTES = {
    "up": UP, "👍": UP, "+1": UP, "1": UP, "yes": UP, "helpful": UP, "positive": UP, "true": UP,
    "down": DOWN, "👎": DOWN, "-1": DOWN, "0": DOWN, "no": DOWN, "not_helpful": DOWN, "negative": DOWN, "false": DOWN,
}  # fmt: skip


@dataclass(frozen=True)
class Vote:
    """A 👍 (``up``) or 👎 (``down``), for ``topic`` or, if None, for the latest answer."""

    vote: str
    topic: str | None


def _vote(value: Any) -> str | None:
    return _VOTES.get(str(value).strip().lower()) if value is not None else None


def _topic(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def is_feedback_message(data: dict[str, Any]) -> bool:
    """Whether a user event is a feedback click rather than a question."""
    intent = (data.get("parse_data") or {}).get("intent") or {}
    return intent.get("name") == FEEDBACK_INTENT or intent.get("name") in RATING_INTENTS


def vote_in_user_event(data: dict[str, Any]) -> Vote | None:
    """Shape 1: the vote and topic entities of a ``feedback`` message."""
    if (
        not is_feedback_message(data)
        or ((data.get("parse_data") or {}).get("intent") or {}).get("name") != FEEDBACK_INTENT
    ):
        return None
    entities = {e.get("entity"): e.get("value") for e in (data.get("parse_data") or {}).get("entities") or []}
    vote = _vote(entities.get("vote"))
    return Vote(vote, _topic(entities.get("topic"))) if vote else None


def vote_in_slot_event(data: dict[str, Any]) -> Vote | None:
    """Shape 2: the ``feedback`` slot set to ``{"vote": ..., "topic": ...}`` (or just the vote)."""
    if data.get("name") != FEEDBACK_SLOT:
        return None
    value = data.get("value")
    if isinstance(value, dict):
        vote = _vote(value.get("vote"))
        return Vote(vote, _topic(value.get("topic"))) if vote else None
    vote = _vote(value)
    return Vote(vote, None) if vote else None
