"""Held-out NLU set: written apart from data/nlu and never copied into it."""

from __future__ import annotations

import pytest

from microneedling_nlp.text_similarity import NearCopyIndex
from tests.holdout_metrics import MODEL_FILE, PROJECT_ROOT, evaluate, load_examples

# The core issue's target is 0.90; the model measures 0.872 (see the README's
# quality section). This floor guards against regressions until the tuning
# work reaches the target; it is not the target.
MIN_ACCURACY = 0.85
MIN_OUT_OF_SCOPE_KEPT = 0.90
MIN_EXAMPLES_PER_INTENT = 6


def _training_texts() -> list[str]:
    """Everything the model trains on."""
    return [text for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml") for text, _ in load_examples(path)]


def test_holdout_set_is_disjoint_from_training_data() -> None:
    training = NearCopyIndex(_training_texts())
    overlap = [text for text, _ in load_examples() if training.copied_example(text)]
    assert overlap == []


def test_no_training_example_is_a_near_copy_of_a_holdout_example() -> None:
    """Light edits ("whats" for "what's") do not make a copied example new."""
    holdout = NearCopyIndex(text for text, _ in load_examples())
    near_copies = [(text, holdout.copied_example(text)) for text in _training_texts() if holdout.copied_example(text)]
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
