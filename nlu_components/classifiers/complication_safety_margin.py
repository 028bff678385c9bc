"""Rasa NLU component: a complication report wins whenever the classifier gives it a fair chance.

Why: the classifier picks the likeliest intent, but the two ways of being wrong
about a complication report do not cost the same. Answering "my scars look
deeper since the pen session" with the results FAQ leaves someone with a problem
reassured; escalating a plain question costs a visitor a detour to the clinic's
phone. On the blind-written validation set (2026-12-01), the classifier alone
missed 14 of 140 reports; 11 of them still gave ``report_complication``
0.1 or more, behind hair growth, pain or results.

So, after the FallbackClassifier, a message whose ``report_complication``
confidence reaches ``min_confidence`` becomes a complication report, even when
another intent ranked first or the fallback fired. The action server still
sends a calm "is this normal?" about expected effects to the after-effects
answer (text_screens.complication_screen), so the margin escalates only what
reads as a problem. ``min_confidence`` is chosen by `make tune` on the
blind-written validation set (evaluation.tune_thresholds); 1.0 or more turns
the margin off.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from nlu_components.stateless_component import StatelessComponent

COMPLICATION_INTENT = "report_complication"


def complication_confidence(ranking: list[dict[str, Any]]) -> float:
    """The classifier's confidence in ``report_complication`` (0.0 when it is not ranked)."""
    return next(
        (float(entry.get("confidence") or 0.0) for entry in ranking if entry.get("name") == COMPLICATION_INTENT),
        0.0,
    )


def with_safety_margin(
    intent: dict[str, Any], ranking: list[dict[str, Any]], min_confidence: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The (intent, ranking) a message leaves with: unchanged, or a complication report.

    When the margin applies, the ``nlu_fallback`` entry a fallback put first is dropped, so the
    ranking again lists only what the classifier scored, and the intent keeps the classifier's own
    confidence in ``report_complication`` (it is not made to look surer than it was).
    """
    confidence = complication_confidence(ranking)
    if intent.get("name") == COMPLICATION_INTENT or confidence == 0.0 or confidence < min_confidence:
        return intent, ranking
    classifier_ranking = [entry for entry in ranking if entry.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME]
    return {"name": COMPLICATION_INTENT, "confidence": confidence}, classifier_ranking


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ComplicationSafetyMargin(StatelessComponent):
    """Makes a message a complication report when ``report_complication`` scores at least ``min_confidence``."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Off unless config.yml sets a margin: the value belongs to the trained classifier's calibration.
        return {"min_confidence": 1.0}

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.min_confidence = float(self.config["min_confidence"])
        if self.min_confidence <= 0.0:
            # Every message would become a complication report, whatever it says.
            raise ValueError(f"ComplicationSafetyMargin: min_confidence must be above 0, got {self.min_confidence}")

    def process(self, messages: list[Message]) -> list[Message]:
        """Turn each message whose complication confidence reaches the margin into a complication report."""
        for message in messages:
            intent = message.get(INTENT) or {}
            ranking = list(message.get(INTENT_RANKING_KEY) or [])
            new_intent, new_ranking = with_safety_margin(intent, ranking, self.min_confidence)
            if new_intent is not intent:
                message.set(INTENT, new_intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, new_ranking, add_to_output=True)
        return messages
