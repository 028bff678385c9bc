"""The suitability check's reasoning: read an answer, prefill from earlier mentions, word the result.

Pure functions over the knowledge file's questions and plain message data (intent,
entities with offsets, text), so every path of the check is tested without Rasa.

Safety rules kept here:
- an answer is read as "yes" or "no" only when the message says so; anything else
  asks again rather than guessing;
- something said *earlier* in the conversation only ever fills a "yes" (a caution),
  never a "no" that would make the result less careful;
- the result never clears anyone: the best it says is that nothing the person said
  rules the treatment out, and the practitioner decides at the consultation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from actions.knowledge_model import SuitabilityCheck, SuitabilityQuestion


class Answer(str, Enum):
    """A question's answer as kept in its form slot."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


AFFIRM_INTENT = "affirm"
DENY_INTENT = "deny"
UNSURE_INTENT = "answer_unsure"
STOP_INTENT = "stop"
_INTENT_ANSWERS = {AFFIRM_INTENT: Answer.YES, DENY_INTENT: Answer.NO, UNSURE_INTENT: Answer.UNSURE}
ANSWER_PAYLOADS = {Answer.YES: f"/{AFFIRM_INTENT}", Answer.NO: f"/{DENY_INTENT}", Answer.UNSURE: f"/{UNSURE_INTENT}"}
STOP_PAYLOAD = f"/{STOP_INTENT}"

# A negation before a mention in the same clause: "I'm not pregnant", "never had keloids".
_NEGATION = re.compile(
    r"\b(not|no|never|none|without|nor|neither)\b|n't\b|\b(dont|doesnt|havent|hasnt|isnt|arent|aint|wasnt)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[.;!?,]|\bbut\b|\bhowever\b|\bthough\b", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """A condition the message names, and whether it is said to be absent."""

    condition: str
    negated: bool


def mentions(text: str, entities: Iterable[Mapping[str, Any]]) -> list[Mention]:
    """The conditions a message names, each with the negation of its own clause."""
    found: list[Mention] = []
    for entity in entities:
        if entity.get("entity") != "condition":
            continue
        start = entity.get("start")
        clause = _clause_before(text, start if isinstance(start, int) else len(text))
        found.append(Mention(str(entity.get("value")), bool(_NEGATION.search(clause))))
    return found


def _clause_before(text: str, position: int) -> str:
    """The words between the last clause break and the mention."""
    before = text[:position]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    return before[breaks[-1].end() :] if breaks else before


def read_answer(question: SuitabilityQuestion, intent: str | None, found: Sequence[Mention]) -> Answer | None:
    """The answer to the question being asked, or None when the message does not answer it.

    Naming the question's own condition answers it ("I'm 20 weeks pregnant": yes;
    "I'm not pregnant": no), whatever the intent; otherwise yes / no / not sure
    come from the intent (buttons send those intents too).
    """
    own = [mention for mention in found if mention.condition in question.conditions]
    if own:
        return Answer.NO if all(mention.negated for mention in own) else Answer.YES
    return _INTENT_ANSWERS.get(intent or "")


def cautions_mentioned(check: SuitabilityCheck, found: Sequence[Mention]) -> dict[str, Answer]:
    """Slots answered "yes" by conditions named without a negation (never a "no": see module docstring)."""
    slots: dict[str, Answer] = {}
    for question in check.questions:
        if any(m.condition in question.conditions and not m.negated for m in found):
            slots[question.slot] = Answer.YES
    return slots


def next_question(check: SuitabilityCheck, answers: Mapping[str, Any]) -> SuitabilityQuestion | None:
    """The first question without an answer, in the knowledge file's order."""
    return next((q for q in check.questions if answers.get(q.slot) is None), None)


def question_text(check: SuitabilityCheck, question: SuitabilityQuestion) -> str:
    """ "Question 3 of 10: ..." so the person sees how far along they are."""
    number = check.questions.index(question) + 1
    heading = check.question_heading.format(number=number, total=len(check.questions))
    return f"{heading} {question.ask}"


def answer_buttons(check: SuitabilityCheck) -> list[dict[str, str]]:
    """Yes / No / Not sure / Stop, in the clinic's words."""
    labels = check.answer_buttons
    return [
        {"title": labels["yes"], "payload": ANSWER_PAYLOADS[Answer.YES]},
        {"title": labels["no"], "payload": ANSWER_PAYLOADS[Answer.NO]},
        {"title": labels["unsure"], "payload": ANSWER_PAYLOADS[Answer.UNSURE]},
        {"title": labels["stop"], "payload": STOP_PAYLOAD},
    ]


def noted_line(check: SuitabilityCheck, slots: Iterable[str], template: str) -> str | None:
    """Tells the person which mentions answered a question, so nothing is silently assumed.

    ``template`` is the check's ``noted_earlier`` or ``noted_now``, with {answers}.
    """
    labels = [q.label.lower() for q in check.questions if q.slot in set(slots)]
    if not labels:
        return None
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return template.format(answers=joined)


@dataclass(frozen=True)
class Result:
    """The check's outcome as text, and whether it points to the team before booking."""

    text: str
    needs_professional_first: bool


def result(check: SuitabilityCheck, answers: Mapping[str, Any]) -> Result:
    """Word the outcome: cautions with their reasons, "not sure" items to raise, never a clearance."""
    cautions = [q for q in check.questions if answers.get(q.slot) == Answer.YES.value]
    unsure = [q for q in check.questions if answers.get(q.slot) == Answer.UNSURE.value]
    parts: list[str] = []
    if cautions:
        listed = "\n".join(f"- **{q.label}**: {q.why}" for q in cautions)
        parts.append(f"{check.result_caution}\n{listed}")
    else:
        parts.append(check.result_clear)
    if unsure:
        parts.append(check.result_unsure + "\n" + "\n".join(f"- {q.label}" for q in unsure))
    if cautions:
        parts.append(check.result_caution_closing)
    return Result(text="\n\n".join(parts), needs_professional_first=bool(cautions))
