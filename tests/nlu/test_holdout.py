"""Held-out NLU set: written apart from data/nlu and never copied into it."""

from __future__ import annotations

import re

import pytest

from tests.holdout_metrics import MODEL_FILE, PROJECT_ROOT, evaluate, load_examples

MIN_ACCURACY = 0.90
MIN_OUT_OF_SCOPE_KEPT = 0.90
MIN_EXAMPLES_PER_INTENT = 6


def _normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def test_holdout_set_is_disjoint_from_training_data() -> None:
    training = set()
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        training |= {_normalise(text) for text, _ in load_examples(path)}
    overlap = [text for text, _ in load_examples() if _normalise(text) in training]
    assert overlap == []


def test_no_training_example_is_a_near_copy_of_a_holdout_example() -> None:
    """Light edits ("whats" for "what's") do not make a copied example new."""
    from difflib import SequenceMatcher

    holdout = [_normalise(text) for text, _ in load_examples() if len(text.split()) >= 5]
    near_copies = []
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        for text, _ in load_examples(path):
            normalised = _normalise(text)
            for other in holdout:
                matcher = SequenceMatcher(None, normalised, other)
                if matcher.quick_ratio() >= 0.9 and matcher.ratio() >= 0.9:
                    near_copies.append((text, other))
    assert near_copies == []


def test_holdout_set_has_enough_phrasings_per_intent() -> None:
    from collections import Counter

    counts = Counter(intent for _, intent in load_examples())
    thin = {intent: n for intent, n in counts.items() if n < MIN_EXAMPLES_PER_INTENT}
    assert thin == {}


@pytest.fixture(scope="module")
def report():
    if not MODEL_FILE.exists():
        pytest.fail(f"no trained model at {MODEL_FILE}; run `make train`")
    result = evaluate()
    print("\n" + result.summary())
    for text, expected, predicted in result.errors:
        print(f"  miss: {expected} -> {predicted}: {text}")
    return result


def test_intent_accuracy_meets_target(report) -> None:
    assert report.accuracy >= MIN_ACCURACY


def test_out_of_scope_messages_are_kept_from_faq_answers(report) -> None:
    assert report.out_of_scope_recall >= MIN_OUT_OF_SCOPE_KEPT


def test_every_complication_report_is_escalated(report) -> None:
    assert report.complication_recall == 1.0
