"""End-to-end answer figures: what each person was shown, against what they asked.

These are the figures of the real-world issue, computed from ReplyOutcomes
(evaluation.reply_outcome), so they count exactly what a visitor sees.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from evaluation.labelled_data import COMPLICATION, OUT_OF_SCOPE, REAL_WORLD_PARTS, LabelledMessage, real_world_part
from evaluation.metrics import share
from evaluation.reply_outcome import ReplyKind, ReplyOutcome
from evaluation.uncertainty import wilson_interval

# Targets of the real-world issue; the held-out set is held to the same ones in the report.
ANSWER_TARGETS: dict[str, tuple[str, float]] = {
    "right FAQ answer (FAQ questions)": (">=", 0.92),
    "right answer or right first 'Did you mean' (FAQ questions)": (">=", 0.96),
    "out-of-scope kept from any FAQ answer": (">=", 0.95),
    "complication report escalated": (">=", 1.0),
    "FAQ answer to a different question (all messages)": ("<=", 0.02),
    "plain message given complication advice": ("<=", 0.01),
}


@dataclass(frozen=True)
class AnswerScores:
    """One system's end-to-end figures on one message set."""

    messages: int
    right_answer: float
    right_in_one_click: float
    out_of_scope_kept: float
    near_miss_kept: float
    complication_escalated: float
    wrong_answer_rate: float
    false_escalation_rate: float
    clarify_rate: float
    per_topic: dict[str, tuple[int, int]]  # topic -> (right answers, questions)
    confusions: list[tuple[str, str, int]]  # (asked, shown, count), worst first
    # metric (as in as_row) -> (hits, messages counted): what an interval needs; empty when built by hand
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    def as_row(self) -> dict[str, float]:
        return {
            "right FAQ answer (FAQ questions)": self.right_answer,
            "right answer or right first 'Did you mean' (FAQ questions)": self.right_in_one_click,
            "out-of-scope kept from any FAQ answer": self.out_of_scope_kept,
            "near-miss out-of-scope kept": self.near_miss_kept,
            "complication report escalated": self.complication_escalated,
            "FAQ answer to a different question (all messages)": self.wrong_answer_rate,
            "plain message given complication advice": self.false_escalation_rate,
            "shown 'Did you mean' (all messages)": self.clarify_rate,
        }

    def interval(self, metric: str) -> tuple[float, float]:
        """The 95% Wilson interval of ``metric``: on a few hundred messages one message moves a figure a lot."""
        hits, counted = self.counts[metric]
        return wilson_interval(hits, counted)


def served(message: LabelledMessage, outcome: ReplyOutcome, faq_question: bool) -> bool:
    """Did the person get what their message called for?

    Escalation is right exactly when a complication is among the acceptable
    readings (a borderline "is this normal?" may be labelled with both); an FAQ
    question otherwise needs an acceptable topic's answer, and anything else
    needs no FAQ answer at all.
    """
    if outcome.escalated:
        return COMPLICATION in message.acceptable
    if faq_question:
        return outcome.faq_answer in message.acceptable
    if message.intent == COMPLICATION:
        return False
    return outcome.faq_answer is None and not outcome.escalated


Verdict = bool | None  # True: a hit for the measure; False: counted, no hit; None: not counted


@dataclass(frozen=True)
class Measure:
    """One end-to-end figure: which messages it counts, what counts as a hit, and which way is better."""

    label: str
    applies_to: Callable[[LabelledMessage], bool]
    hit: Callable[[LabelledMessage, ReplyOutcome], bool]
    higher_is_better: bool = True


def measures(faq_intents: set[str]) -> list[Measure]:
    """The figures of the real-world issue, in table order.

    A message is an FAQ question when its label is an FAQ topic; ``also_ok`` topics count as right too.
    A wrong answer is an FAQ answer outside the acceptable topics, whatever the label (any FAQ answer to a
    complication report or an out-of-scope message is wrong); a false escalation is complication advice
    where no complication is an acceptable reading.
    """

    def is_faq(m: LabelledMessage) -> bool:
        return m.intent in faq_intents

    def right(m: LabelledMessage, o: ReplyOutcome) -> bool:
        return served(m, o, faq_question=True)

    def every(m: LabelledMessage) -> bool:
        return True

    return [
        Measure("right FAQ answer (FAQ questions)", is_faq, right),
        Measure(
            "right answer or right first 'Did you mean' (FAQ questions)",
            is_faq,
            lambda m, o: right(m, o) or (o.kind is ReplyKind.CLARIFY and o.topic in m.acceptable),
        ),
        Measure("out-of-scope kept from any FAQ answer", lambda m: m.intent == OUT_OF_SCOPE, _no_faq_answer),
        Measure("near-miss out-of-scope kept", lambda m: m.near_miss, _no_faq_answer),
        Measure("complication report escalated", lambda m: m.intent == COMPLICATION, lambda m, o: o.escalated),
        Measure(
            "FAQ answer to a different question (all messages)",
            every,
            lambda m, o: o.faq_answer is not None and o.faq_answer not in m.acceptable,
            higher_is_better=False,
        ),
        Measure(
            "plain message given complication advice",
            lambda m: COMPLICATION not in m.acceptable,
            lambda m, o: o.escalated,
            higher_is_better=False,
        ),
        Measure(
            "shown 'Did you mean' (all messages)",
            every,
            lambda m, o: o.kind is ReplyKind.CLARIFY,
            higher_is_better=False,
        ),
    ]


def _no_faq_answer(message: LabelledMessage, outcome: ReplyOutcome) -> bool:
    return outcome.faq_answer is None


def message_verdicts(
    messages: Sequence[LabelledMessage], outcomes: Sequence[ReplyOutcome], faq_intents: set[str]
) -> dict[str, list[Verdict]]:
    """Each measure's verdict on each message, in message order: what a paired comparison of two systems needs."""
    pairs = list(zip(messages, outcomes, strict=True))
    return {
        measure.label: [measure.hit(m, o) if measure.applies_to(m) else None for m, o in pairs]
        for measure in measures(faq_intents)
    }


def answer_scores(
    messages: Sequence[LabelledMessage], outcomes: Sequence[ReplyOutcome], faq_intents: set[str], top: int = 12
) -> AnswerScores:
    """Every measure of ``measures`` as a share with its counts, plus per-topic right answers and worst misses."""
    pairs = list(zip(messages, outcomes, strict=True))
    verdicts = message_verdicts(messages, outcomes, faq_intents)
    counts = {label: (sum(1 for v in vs if v), sum(1 for v in vs if v is not None)) for label, vs in verdicts.items()}
    rates = {label: share(hits, counted) for label, (hits, counted) in counts.items()}
    right = verdicts["right FAQ answer (FAQ questions)"]

    per_topic: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (m, _), verdict in zip(pairs, right, strict=True):
        if verdict is not None:
            per_topic[m.intent][0] += verdict
            per_topic[m.intent][1] += 1
    confusions = Counter((m.intent, o.label()) for m, o in pairs if not served(m, o, m.intent in faq_intents))
    return AnswerScores(
        messages=len(pairs),
        right_answer=rates["right FAQ answer (FAQ questions)"],
        right_in_one_click=rates["right answer or right first 'Did you mean' (FAQ questions)"],
        out_of_scope_kept=rates["out-of-scope kept from any FAQ answer"],
        near_miss_kept=rates["near-miss out-of-scope kept"],
        complication_escalated=rates["complication report escalated"],
        wrong_answer_rate=rates["FAQ answer to a different question (all messages)"],
        false_escalation_rate=rates["plain message given complication advice"],
        clarify_rate=rates["shown 'Did you mean' (all messages)"],
        per_topic={topic: (counts_[0], counts_[1]) for topic, counts_ in sorted(per_topic.items())},
        confusions=[(asked, shown, n) for (asked, shown), n in confusions.most_common(top)],
        counts=counts,
    )


def scores_by_real_world_part(
    messages: Sequence[LabelledMessage], outcomes: Sequence[ReplyOutcome], faq_intents: set[str]
) -> dict[str, AnswerScores]:
    """``answer_scores`` of the real-world set's dev and test parts (evaluation.labelled_data.real_world_part)."""
    pairs = list(zip(messages, outcomes, strict=True))
    return {
        part: answer_scores(
            [m for m, _ in pairs if real_world_part(m) == part],
            [o for m, o in pairs if real_world_part(m) == part],
            faq_intents,
        )
        for part in REAL_WORLD_PARTS
    }


Target = tuple[str, float]  # (">=" or "<=", bound)


def meets_target(targets: dict[str, Target], metric: str, value: float) -> bool | None:
    """Whether ``value`` meets the metric's bound in ``targets`` (None when it has none), rounding aside."""
    if metric not in targets:
        return None
    comparison, bound = targets[metric]
    return value >= bound - 1e-12 if comparison == ">=" else value <= bound + 1e-12


def meets_answer_target(metric: str, value: float) -> bool | None:
    return meets_target(ANSWER_TARGETS, metric, value)
