"""The quality figures the issue asks for, computed from predictions on labelled messages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from evaluation.labelled_data import COMPLICATION, OUT_OF_SCOPE, LabelledMessage
from evaluation.turn_outcome import TurnOutcome, turn_outcome


@dataclass(frozen=True)
class QualityScores:
    """One system's figures on one message set. Rates are shares in [0, 1]."""

    messages: int
    accuracy: float
    in_scope_accuracy: float
    in_scope_macro_f1: float
    out_of_scope_recall: float
    near_miss_recall: float
    wrong_answer_rate: float
    complication_recall: float
    false_escalation_rate: float
    fallback_rate: float
    confused_pairs: list[tuple[str, str, int]]

    def as_row(self) -> dict[str, float]:
        return {
            "intent accuracy (all messages)": self.accuracy,
            "in-scope accuracy": self.in_scope_accuracy,
            "in-scope macro-F1": self.in_scope_macro_f1,
            "out-of-scope recall": self.out_of_scope_recall,
            "near-miss recall": self.near_miss_recall,
            "wrong-answer rate": self.wrong_answer_rate,
            "complication recall": self.complication_recall,
            "false escalation rate": self.false_escalation_rate,
        }


def macro_f1(expected: list[str], predicted: list[str], labels: set[str]) -> float:
    """Unweighted mean of per-intent F1 over ``labels`` (predictions outside them count as misses)."""
    scores = []
    for label in sorted(labels):
        true_positive = sum(e == label and p == label for e, p in zip(expected, predicted, strict=True))
        predicted_count = sum(p == label for p in predicted)
        expected_count = sum(e == label for e in expected)
        if expected_count == 0:
            continue
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / expected_count
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def share(count: int, total: int) -> float:
    """count / total, or NaN when there is nothing to measure (a message set without that kind of message)."""
    return count / total if total else float("nan")


def share_of(
    labelled: list[tuple[LabelledMessage, TurnOutcome]],
    which: Callable[[LabelledMessage], bool],
    good: Callable[[TurnOutcome], bool],
) -> float:
    """Among the messages ``which`` selects, the share whose outcome is ``good``."""
    selected = [outcome for message, outcome in labelled if which(message)]
    return share(sum(good(outcome) for outcome in selected), len(selected))


def score(
    messages: list[LabelledMessage], predicted: list[str | None], faq_intents: set[str], top_pairs: int = 5
) -> QualityScores:
    """In scope = every intent but out_of_scope. Wrong answer = an FAQ answer to another question.

    False escalation = complication advice for a message that reports no complication (the price of the
    safety-first screen, reported so it stays visible).
    """
    pairs = list(zip(messages, predicted, strict=True))
    outcomes = [turn_outcome(m.text, p, faq_intents) for m, p in pairs]
    labelled = list(zip(messages, outcomes, strict=True))
    in_scope = [(m, p) for m, p in pairs if m.intent != OUT_OF_SCOPE]
    confusions = Counter((m.intent, p or "none") for m, p in pairs if p != m.intent)
    return QualityScores(
        messages=len(messages),
        accuracy=share(sum(m.intent == p for m, p in pairs), len(pairs)),
        in_scope_accuracy=share(sum(m.intent == p for m, p in in_scope), len(in_scope)),
        in_scope_macro_f1=macro_f1(
            [m.intent for m, _ in in_scope], [p or "none" for _, p in in_scope], {m.intent for m, _ in in_scope}
        ),
        out_of_scope_recall=share_of(labelled, lambda m: m.intent == OUT_OF_SCOPE, lambda o: o.faq_answer is None),
        near_miss_recall=share_of(labelled, lambda m: m.near_miss, lambda o: o.faq_answer is None),
        wrong_answer_rate=share(sum(o.faq_answer not in (None, m.intent) for m, o in labelled), len(labelled)),
        complication_recall=share_of(labelled, lambda m: m.intent == COMPLICATION, lambda o: o.escalated),
        false_escalation_rate=share_of(labelled, lambda m: m.intent != COMPLICATION, lambda o: o.escalated),
        fallback_rate=share(sum(p == "nlu_fallback" for p in predicted), len(predicted)),
        confused_pairs=[(e, p, n) for (e, p), n in confusions.most_common(top_pairs)],
    )
