"""The near-copy rule that keeps training data apart from the held-out set."""

from __future__ import annotations

from evaluation.text_similarity import NearCopyIndex, near_copies, normalise


def test_near_copy_index() -> None:
    index = NearCopyIndex(["What is microneedling?", "how long does the redness last after microneedling"])
    assert index.copied_example("what is microneedling") == "What is microneedling?"
    assert index.copied_example("how long does redness last after microneedling?") is not None
    assert index.copied_example("microneedling cost") is None
    assert index.copied_example("how long does the swelling last after a chemical peel") is None


def test_near_copies_lists_the_texts_that_copy_one_of_the_others() -> None:
    """The direction matters: it names texts from the first set, found in the second."""
    training = ["what is microneedling", "does microneedling hurt"]
    evaluation = ["What is microneedling?", "how much does a session cost"]
    assert near_copies(training, of=evaluation) == ["what is microneedling"]
    assert near_copies(evaluation, of=training) == ["What is microneedling?"]
    assert near_copies(["microneedling cost"], of=evaluation) == []


def test_normalise_folds_case_punctuation_and_spacing_and_splits_at_apostrophes() -> None:
    assert normalise("What is it?!") == normalise("what is  it") == "what is it"
    assert normalise("What's it?") == "what s it"
