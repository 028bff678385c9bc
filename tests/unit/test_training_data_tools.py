"""The near-copy rule and the augmentation generator."""

from __future__ import annotations

from microneedling_nlp.augment_training_data import augment, variant
from microneedling_nlp.text_similarity import NearCopyIndex


def test_near_copy_index() -> None:
    index = NearCopyIndex(["What's microneedling?", "how long does the redness last after microneedling"])
    assert index.copied_example("whats microneedling") == "What's microneedling?"
    assert index.copied_example("how long does redness last after microneedling?") is not None
    assert index.copied_example("microneedling cost") is None
    assert index.copied_example("how long does the swelling last after a chemical peel") is None


def test_augmentation_is_deterministic_new_and_respects_exclusions(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: ask_pain\n  examples: |\n'
        "    - does microneedling hurt\n    - is microneedling painful for the upper lip\n",
        encoding="utf-8",
    )
    first, second = augment(data), augment(data)
    assert first == second
    assert set(first["ask_pain"]).isdisjoint({"does microneedling hurt", "is microneedling painful for the upper lip"})
    exclude = tmp_path / "holdout.yml"
    exclude.write_text(
        'version: "3.1"\nnlu:\n- intent: ask_pain\n  examples: |\n'
        + "".join(f"    - {text}\n" for text in first["ask_pain"]),
        encoding="utf-8",
    )
    assert augment(data, exclude) == {}


def test_variants_keep_the_question() -> None:
    import random

    rng = random.Random(1)
    for _ in range(20):
        assert "does it hurt" in variant("does it hurt", rng).lower()
