"""Read what a person was shown: which answer, a "Did you mean", the scope message or escalation advice.

Scoring the bot's replies rather than the classifier's intent is what makes the
figures end to end: the actions' screens, the follow-up logic and the fallback
all act before the person sees anything, so only the replies say whether they
got the right answer.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from actions.knowledge_model import COST_ESTIMATE_INTENT, GUIDED_TOPICS, SUITABILITY_INTENT, KnowledgeBase


class ReplyKind(enum.Enum):
    ANSWER = "answer"  # an FAQ answer (topic says which)
    CLARIFY = "clarify"  # "Did you mean ...?" (topic is the first button's)
    OUT_OF_SCOPE = "out_of_scope"
    ESCALATION = "escalation"  # complication advice
    OTHER = "other"  # menu, greeting, small talk, a problem with the input


@dataclass(frozen=True)
class ReplyOutcome:
    kind: ReplyKind
    topic: str | None = None

    @property
    def faq_answer(self) -> str | None:
        """The topic whose answer the person read, or None when they read no FAQ answer."""
        return self.topic if self.kind is ReplyKind.ANSWER else None

    @property
    def escalated(self) -> bool:
        return self.kind is ReplyKind.ESCALATION

    def label(self) -> str:
        """A short name for confusion tables: the topic answered, or what was shown instead."""
        if self.kind is ReplyKind.ANSWER:
            return str(self.topic)
        if self.kind is ReplyKind.CLARIFY:
            return f"did-you-mean:{self.topic}"
        return self.kind.value


class ReplyReader:
    """Maps the bot messages of one turn to a ReplyOutcome, by the knowledge file's own texts."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._knowledge = knowledge
        openings = [
            (text, intent)
            for intent, entry in knowledge.faqs.items()
            for text in [entry.answer, *(t for values in entry.variants.values() for t in values.values())]
        ]
        # Longest first, so an answer that begins with a shorter one is not mistaken for it.
        self._openings = sorted(openings, key=lambda pair: -len(pair[0]))
        self._escalations = {knowledge.urgent_escalation, knowledge.emergency_escalation}
        # The guided conversations are the interactive form of a topic: "am I a good
        # candidate?" starts the suitability check (who should avoid it), "what would
        # my course cost?" the cost estimate (cost). Each counts as that topic's answer.
        estimate = knowledge.cost_estimate
        self._guided = [
            (knowledge.suitability.intro, GUIDED_TOPICS[SUITABILITY_INTENT]),
            (estimate.ask_concern, GUIDED_TOPICS[COST_ESTIMATE_INTENT]),
            (estimate.heading.split("{concern}")[0], GUIDED_TOPICS[COST_ESTIMATE_INTENT]),
        ]

    def read(self, messages: Sequence[dict[str, Any]]) -> ReplyOutcome:
        texts = [str(message.get("text") or "") for message in messages]
        if self._escalations & set(texts):
            return ReplyOutcome(ReplyKind.ESCALATION)
        if not texts:
            return ReplyOutcome(ReplyKind.OTHER)
        first = texts[0]
        for opening, intent in self._openings:
            if first.startswith(opening):
                return ReplyOutcome(ReplyKind.ANSWER, intent)
        for opening, topic in self._guided:
            if first.startswith(opening):
                return ReplyOutcome(ReplyKind.ANSWER, topic)
        if first == self._knowledge.messages["clarify"]:
            return ReplyOutcome(ReplyKind.CLARIFY, _first_topic_button(messages[0], self._knowledge))
        # The scope message, or its safety variant for a problem after another treatment.
        if first in (self._knowledge.messages["out_of_scope"], self._knowledge.messages["other_treatment_problem"]):
            return ReplyOutcome(ReplyKind.OUT_OF_SCOPE)
        return ReplyOutcome(ReplyKind.OTHER)


def _first_topic_button(message: dict[str, Any], knowledge: KnowledgeBase) -> str | None:
    for button in message.get("buttons") or []:
        topic = str(button.get("payload", "")).lstrip("/").split("{")[0]
        if knowledge.faq(topic):
            return topic
    return None
