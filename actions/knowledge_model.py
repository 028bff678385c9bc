"""Typed, read-only view of the knowledge file, as the actions use it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date


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

    def faq(self, intent: str) -> FaqEntry | None:
        """The entry for an FAQ intent, or None for any other intent."""
        return self.faqs.get(intent)

    def title(self, intent: str) -> str:
        """The clickable title of a topic, falling back to a readable intent name."""
        entry = self.faqs.get(intent)
        if entry is not None:
            return entry.title
        return intent.replace("ask_", "").replace("_", " ").capitalize()
