"""Score a trained model on the held-out NLU set the way the assistant behaves.

"Kept from an FAQ answer" follows the real turn: a message is kept if the model
does not pick an FAQ intent, or if the action's screens (complication report,
empty/emoji/non-English input) stop the FAQ answer.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from actions.complication_screen import Urgency, complication_urgency
from actions.conversation_context import FALLBACK_INTENT
from microneedling_nlp.message_screen import InputProblem, screen_message

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOLDOUT_FILE = PROJECT_ROOT / "tests" / "nlu" / "holdout.yml"
MODEL_FILE = PROJECT_ROOT / "models" / "microneedling-faq.tar.gz"


def load_examples(path: Path = HOLDOUT_FILE) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa YAML NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for block in data["nlu"]:
        if "intent" not in block:  # lookup tables and synonyms
            continue
        for line in block["examples"].splitlines():
            text = line.strip()
            if text.startswith("- "):
                pairs.append((text[2:].strip(), block["intent"]))
    return pairs


def faq_intents() -> list[str]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [name for name in domain["intents"] if name.startswith("ask_")]


def answered_from_faq(text: str, predicted: str, faqs: list[str]) -> bool:
    """Would this message get an FAQ answer (rather than escalation, scope, menu...)?"""
    if predicted not in faqs:
        return False
    if complication_urgency(text) is not Urgency.NONE:
        return False
    return screen_message(text) is InputProblem.NONE


@dataclass
class HoldoutReport:
    """Counts behind the held-out metrics."""

    total: int = 0
    correct: int = 0
    fallbacks: int = 0
    out_of_scope: int = 0
    out_of_scope_kept: int = 0
    complications: int = 0
    complications_escalated: int = 0
    wrong_faq_answers: int = 0
    per_intent: dict[str, Counter] = field(default_factory=dict)
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total

    @property
    def out_of_scope_recall(self) -> float:
        return self.out_of_scope_kept / self.out_of_scope

    @property
    def complication_recall(self) -> float:
        return self.complications_escalated / self.complications

    def summary(self) -> str:
        return (
            f"held-out examples: {self.total}\n"
            f"intent accuracy: {self.accuracy:.3f} ({self.correct}/{self.total}), "
            f"nlu_fallback: {self.fallbacks}\n"
            f"out-of-scope kept from an FAQ answer: {self.out_of_scope_recall:.3f} "
            f"({self.out_of_scope_kept}/{self.out_of_scope})\n"
            f"complications escalated: {self.complication_recall:.3f} "
            f"({self.complications_escalated}/{self.complications})\n"
            f"answers to a different FAQ question: {self.wrong_faq_answers}"
        )


def evaluate(model: Path = MODEL_FILE, examples: list[tuple[str, str]] | None = None) -> HoldoutReport:
    """Parse every example with the trained model and count the outcomes."""
    from rasa.core.agent import Agent

    examples = examples or load_examples()
    agent = Agent.load(str(model))
    faqs = faq_intents()
    report = HoldoutReport()

    async def parse_all() -> list[dict]:
        return [await agent.parse_message(text) for text, _ in examples]

    for (text, expected), parsed in zip(examples, asyncio.run(parse_all()), strict=False):
        predicted = parsed["intent"]["name"]
        report.total += 1
        report.per_intent.setdefault(expected, Counter())["total"] += 1
        if predicted == expected:
            report.correct += 1
            report.per_intent[expected]["correct"] += 1
        else:
            report.errors.append((text, expected, predicted))
        report.fallbacks += predicted == FALLBACK_INTENT
        answered = answered_from_faq(text, predicted, faqs)
        if answered and predicted != expected:
            report.wrong_faq_answers += 1
        if expected == "out_of_scope":
            report.out_of_scope += 1
            report.out_of_scope_kept += not answered
        if expected == "report_complication":
            report.complications += 1
            escalated = predicted == "report_complication" or complication_urgency(text) is not Urgency.NONE
            report.complications_escalated += escalated
    return report
