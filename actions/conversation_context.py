"""Read what the conversation so far means for the current turn."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from spacy_pipeline.patterns import ENTITY_LABELS

# The action server and the NLU pipeline share one list of entity types.
ENTITY_TYPES = ENTITY_LABELS
FALLBACK_INTENT = "nlu_fallback"

_FOLLOW_UP_CUE = re.compile(
    r"^\s*(and|also|but|so|ok(ay)?|same)\b|\b(what|how) about\b|\bwhat if\b|\bin that case\b"
    r"|\b(for|with) (a |the )?(that|those|these)\b",
    re.IGNORECASE,
)

Entity = tuple[str, str]


def is_follow_up(text: str) -> bool:
    """Does the message lean on the previous answer ("and what about 1 mm?")."""
    return bool(_FOLLOW_UP_CUE.search(text or ""))


def latest_entities(tracker: Tracker) -> list[Entity]:
    """(type, canonical value) pairs of the latest message, in order, without repeats."""
    pairs: list[Entity] = []
    for entity in tracker.latest_message.get("entities") or []:
        pair = (str(entity.get("entity")), str(entity.get("value")))
        if pair[0] in ENTITY_TYPES and pair not in pairs:
            pairs.append(pair)
    return pairs


def latest_text(tracker: Tracker) -> str:
    """The text of the latest user message ("" when there is none)."""
    return tracker.latest_message.get("text") or ""


def intent_ranking(tracker: Tracker) -> list[dict[str, Any]]:
    """The classifier's ranked intents for the latest message."""
    return list(tracker.latest_message.get("intent_ranking") or [])


def _previous_user_parse(tracker: Tracker) -> dict[str, Any]:
    """The parse data of the user message before the latest one ({} when there is none)."""
    user_events = [event for event in tracker.events if event.get("event") == "user"]
    return (user_events[-2].get("parse_data") or {}) if len(user_events) >= 2 else {}


def previous_user_ranking(tracker: Tracker) -> list[dict[str, Any]]:
    """The intent ranking of the user message before the latest one (the message a rating is about)."""
    return list(_previous_user_parse(tracker).get("intent_ranking") or [])


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one, if any.

    Used to notice a second misunderstanding in a row, which should offer the
    menu and a person rather than another guess.
    """
    return (_previous_user_parse(tracker).get("intent") or {}).get("name")
