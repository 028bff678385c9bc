"""The quality figures the issue asks for, computed from predictions on labelled messages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from evaluation.labelled_data import COMPLICATION, OUT_OF_SCOPE, LabelledMessage
from evaluation.turn_outcome import turn_outcome


@dataclass(frozen=True)
class QualityScores:
    """One system's figures on one message set. Rates are shares in [0, 1]."""

    messages: int
    in_scope_accuracy: float
    in_scope_macro_f1: float
    out_of_scope_recall: float
    near_miss_recall: float
    wrong_answer_rate: float
    complication_recall: float
    fallback_rate: float
    confused_pairs: list[tuple[str, str, int]]

    def as_row(self) -> dict[str, float]:
        return {
            "in-scope accuracy": self.in_scope_accuracy,
            "in-scope macro-F1": self.in_scope_macro_f1,
            "out-of-scope recall": self.out_of_scope_recall,
            "near-miss recall": self.near_miss_recall,
            "wrong-answer rate": self.wrong_answer_rate,
            "complication recall": self.complication_recall,
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


def score(
    messages: list[LabelledMessage], predicted: list[str | None], faq_intents: set[str], top_pairs: int = 5
) -> QualityScores:
    """In scope = every intent but out_of_scope. Wrong answer = an FAQ answer to another question."""
    in_scope = [(m, p) for m, p in zip(messages, predicted, strict=True) if m.intent != OUT_OF_SCOPE]
    out_of_scope = [(m, p) for m, p in zip(messages, predicted, strict=True) if m.intent == OUT_OF_SCOPE]
    near_misses = [(m, p) for m, p in out_of_scope if m.near_miss]
    complications = [(m, p) for m, p in zip(messages, predicted, strict=True) if m.intent == COMPLICATION]
    outcomes = [turn_outcome(m.text, p, faq_intents) for m, p in zip(messages, predicted, strict=True)]
    wrong = sum(o.faq_answer is not None and o.faq_answer != m.intent for m, o in zip(messages, outcomes, strict=True))

    def kept(pairs: list[tuple[LabelledMessage, str | None]]) -> float:
        return sum(turn_outcome(m.text, p, faq_intents).faq_answer is None for m, p in pairs) / len(pairs)

    confusions = Counter((m.intent, p or "none") for m, p in zip(messages, predicted, strict=True) if p != m.intent)
    return QualityScores(
        messages=len(messages),
        in_scope_accuracy=sum(m.intent == p for m, p in in_scope) / len(in_scope),
        in_scope_macro_f1=macro_f1(
            [m.intent for m, _ in in_scope], [p or "none" for _, p in in_scope], {m.intent for m, _ in in_scope}
        ),
        out_of_scope_recall=kept(out_of_scope),
        near_miss_recall=kept(near_misses) if near_misses else float("nan"),
        wrong_answer_rate=wrong / len(messages),
        complication_recall=sum(turn_outcome(m.text, p, faq_intents).escalated for m, p in complications)
        / len(complications),
        fallback_rate=sum(p == "nlu_fallback" for p in predicted) / len(predicted),
        confused_pairs=[(e, p, n) for (e, p), n in confusions.most_common(top_pairs)],
    )
