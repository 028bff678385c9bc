"""Typed, read-only view of the knowledge file, as the actions use it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from actions.prices import Range

# The two guided conversations (Rasa forms) and the intents that start them. Their
# buttons can sit in the menu and under FAQ answers next to the topics.
SUITABILITY_INTENT = "check_suitability"
COST_ESTIMATE_INTENT = "estimate_cost"
# Each guided conversation is the interactive form of one FAQ topic: a message that
# hesitates between the two gets that topic's answer, which offers the guided one.
GUIDED_TOPICS = {SUITABILITY_INTENT: "ask_contraindications", COST_ESTIMATE_INTENT: "ask_cost"}


@dataclass(frozen=True)
class ClinicDetails:
    """The clinic's own details, kept in one place so staff edit them once."""

    name: str
    booking_url: str
    phone: str
    email: str
    opening_hours: str
    price_range: str
    emergency_number: str

    def placeholders(self) -> dict[str, str]:
        """Values for the {placeholders} the knowledge file's texts may use."""
        return {
            "clinic_name": self.name,
            "booking_url": self.booking_url,
            "phone": self.phone,
            "email": self.email,
            "opening_hours": self.opening_hours,
            "price_range": self.price_range,
            "emergency_number": self.emergency_number,
        }


@dataclass(frozen=True)
class FaqEntry:
    """One FAQ topic: the general answer and its entity-specific variants."""

    intent: str
    title: str
    answer: str
    variants: Mapping[str, Mapping[str, str]]
    follow_ups: tuple[str, ...]
    sources: tuple[str, ...]
    last_reviewed: date

    def variant(self, entity_type: str, value: str) -> str | None:
        """The focused answer for one entity value, if the seeds supported one."""
        return self.variants.get(entity_type, {}).get(value)


@dataclass(frozen=True)
class SuitabilityQuestion:
    """One yes/no question of the suitability check, and why a "yes" matters."""

    key: str
    ask: str
    label: str
    why: str
    conditions: tuple[str, ...]

    @property
    def slot(self) -> str:
        """The form slot that holds the answer (declared in domain.yml)."""
        return f"suitability_{self.key}"


@dataclass(frozen=True)
class SuitabilityCheck:
    """The questionnaire's questions and every text around them, as the clinic words them.

    ``noted_earlier`` and ``noted_now`` still hold {answers} and ``question_heading`` {number} and
    {total}: they are filled per conversation.
    """

    button: str
    intro: str
    noted_earlier: str
    noted_now: str
    question_heading: str
    resume: str
    not_understood: str
    answer_buttons: Mapping[str, str]
    result_clear: str
    result_caution: str
    result_unsure: str
    result_caution_closing: str
    offered_under: tuple[str, ...]
    questions: tuple[SuitabilityQuestion, ...]
    sources: tuple[str, ...]
    last_reviewed: date

    def question(self, slot: str) -> SuitabilityQuestion | None:
        """The question whose answer a form slot holds."""
        return next((q for q in self.questions if q.slot == slot), None)


@dataclass(frozen=True)
class Package:
    """A course sold together, e.g. 3 sessions for $1,100."""

    sessions: Range
    price: Range


@dataclass(frozen=True)
class PriceList:
    """The clinic's own prices; absent when the clinic has not published them here."""

    currency: str
    per_session: Range
    packages: tuple[Package, ...]
    included: tuple[str, ...]
    plans: Mapping[str, Range]


@dataclass(frozen=True)
class CostEstimateTexts:
    """The estimate's wording and the figures it takes from the seeds.

    The line templates keep their own placeholders ({concern}, {sessions},
    {per_session}, {total}, {price}, {included}) for each estimate.
    """

    button: str
    ask_concern: str
    resume: str
    concerns: Mapping[str, str]  # concern value -> button label
    other_concern_button: str
    other_concern: str
    heading: str
    per_session_line: str
    clinic_plan_line: str
    seed_sessions_line: str
    several_sessions_line: str
    total_line: str
    package_line: str
    included_line: str
    no_price_list: str
    closing: str
    offered_under: tuple[str, ...]
    general_per_session: Range
    seed_sessions: Mapping[str, Range]
    sources: tuple[str, ...]
    last_reviewed: date


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the assistant says that a clinic may want to curate."""

    clinic: ClinicDetails
    disclaimer: str
    messages: Mapping[str, str]
    menu: tuple[str, ...]
    faqs: Mapping[str, FaqEntry]
    urgent_escalation: str
    emergency_escalation: str
    handoff: str
    booking: str
    suitability: SuitabilityCheck
    cost_estimate: CostEstimateTexts
    pricing: PriceList | None

    def faq(self, intent: str) -> FaqEntry | None:
        """The entry for an FAQ intent, or None for any other intent."""
        return self.faqs.get(intent)

    def offers_under(self, intent: str) -> list[str]:
        """The guided conversations offered as buttons under a topic's answer."""
        offers = [
            (SUITABILITY_INTENT, self.suitability.offered_under),
            (COST_ESTIMATE_INTENT, self.cost_estimate.offered_under),
        ]
        return [tool for tool, topics in offers if intent in topics]

    def title(self, intent: str) -> str:
        """The clickable title of a topic, falling back to a readable intent name."""
        entry = self.faqs.get(intent)
        if entry is not None:
            return entry.title
        if intent == SUITABILITY_INTENT:
            return self.suitability.button
        if intent == COST_ESTIMATE_INTENT:
            return self.cost_estimate.button
        return intent.replace("ask_", "").replace("_", " ").capitalize()
