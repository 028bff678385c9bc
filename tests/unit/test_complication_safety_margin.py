"""The complication safety margin: a report the classifier gives a fair chance is treated as a report."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu_components.classifiers.complication_safety_margin import ComplicationSafetyMargin


def _message(intent: str, confidence: float, ranking: list[tuple[str, float]]) -> Message:
    return Message(
        data={
            "text": "my scars look deeper since the pen session",
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": name, "confidence": value} for name, value in ranking],
        }
    )


def test_a_runner_up_complication_at_the_margin_becomes_the_intent_with_its_own_confidence() -> None:
    message = _message("ask_results", 0.59, [("ask_results", 0.59), ("report_complication", 0.36)])
    ComplicationSafetyMargin({"min_confidence": 0.25}).process([message])
    assert message.get("intent") == {"name": "report_complication", "confidence": 0.36}
    assert [entry["name"] for entry in message.get("intent_ranking")] == ["ask_results", "report_complication"]


def test_it_overrides_a_fallback_and_drops_the_fallback_from_the_ranking() -> None:
    ranking = [("nlu_fallback", 0.5), ("out_of_scope", 0.32), ("report_complication", 0.3)]
    message = _message("nlu_fallback", 0.5, ranking)
    ComplicationSafetyMargin({"min_confidence": 0.25}).process([message])
    assert message.get("intent")["name"] == "report_complication"
    assert [entry["name"] for entry in message.get("intent_ranking")] == ["out_of_scope", "report_complication"]


def test_below_the_margin_or_with_the_margin_off_nothing_changes() -> None:
    below = _message("ask_pain", 0.8, [("ask_pain", 0.8), ("report_complication", 0.2)])
    ComplicationSafetyMargin({"min_confidence": 0.25}).process([below])
    assert below.get("intent") == {"name": "ask_pain", "confidence": 0.8}
    off = _message("ask_pain", 0.6, [("ask_pain", 0.6), ("report_complication", 0.4)])
    ComplicationSafetyMargin(ComplicationSafetyMargin.get_default_config()).process([off])
    assert off.get("intent")["name"] == "ask_pain"
    unranked = _message("greet", 0.9, [("greet", 0.9)])
    ComplicationSafetyMargin({"min_confidence": 0.01}).process([unranked])  # not ranked at all
    assert unranked.get("intent")["name"] == "greet"


def test_a_margin_that_would_escalate_every_message_is_refused() -> None:
    with pytest.raises(ValueError, match="min_confidence"):
        ComplicationSafetyMargin({"min_confidence": 0.0})
