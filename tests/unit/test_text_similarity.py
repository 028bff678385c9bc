"""The near-copy rule that keeps training data apart from the held-out set."""

from __future__ import annotations

from evaluation.text_similarity import NearCopyIndex


def test_near_copy_index() -> None:
    index = NearCopyIndex(["What is microneedling?", "how long does the redness last after microneedling"])
    assert index.copied_example("what is microneedling") == "What is microneedling?"
    assert index.copied_example("how long does redness last after microneedling?") is not None
    assert index.copied_example("microneedling cost") is None
    assert index.copied_example("how long does the swelling last after a chemical peel") is None
