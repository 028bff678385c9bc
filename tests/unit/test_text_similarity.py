"""The near-copy rule that keeps training data apart from the held-out set."""

from __future__ import annotations

import random
from difflib import SequenceMatcher

from evaluation.text_similarity import NEAR_COPY_MIN_WORDS, NEAR_COPY_RATIO, NearCopyIndex, near_copies, normalise


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


def test_a_copy_with_a_word_added_in_front_is_found() -> None:
    """Ratio 0.94, lengths 37 and 42: an earlier length bound (5% of the sum) skipped this pair."""
    index = NearCopyIndex(["when can i use retinol after microneedling"])
    assert index.copied_example("Can I use retinol after microneedling?") is not None


def test_the_prefilter_decides_as_sequence_matcher_alone_would() -> None:
    """The character-count bound only saves work: every pair gets SequenceMatcher's own verdict.

    Examples and lightly edited copies of them (characters replaced, dropped, words added,
    non-ASCII letters) are checked against a brute-force comparison with no prefilter.
    """
    rng = random.Random(20261202)
    examples = [
        "how long does the redness last after microneedling",
        "can microneedling help with acne scars on my cheeks",
        "is it safe to use a derma roller at home every week",
        "what is the difference between a chemical peel and microneedling",
        "does microneedling hurt more than laser resurfacing",
        "crème for the face after the séance",
        "who should not have microneedling",
    ]

    def edited(text: str) -> str:
        characters = list(text)
        for _ in range(rng.randint(0, 7)):
            position = rng.randrange(len(characters))
            action = rng.choice(["replace", "drop", "insert"])
            if action == "replace":
                characters[position] = rng.choice("aeiouxyzé ")
            elif action == "drop" and len(characters) > 1:
                del characters[position]
            else:
                characters.insert(position, rng.choice("aeiouxyzé "))
        return "".join(characters)

    probes = [edited(text) for text in examples for _ in range(40)] + ["so " + text for text in examples]
    index = NearCopyIndex(examples)

    def brute_force(probe: str) -> bool:
        norm = normalise(probe)
        for example in map(normalise, examples):
            if norm == example:
                return True
            long_enough = max(len(norm.split()), len(example.split())) >= NEAR_COPY_MIN_WORDS
            if long_enough and SequenceMatcher(None, norm, example).ratio() >= NEAR_COPY_RATIO:
                return True
        return False

    verdicts = [(index.copied_example(probe) is not None, brute_force(probe)) for probe in probes]
    assert [probe for probe, (indexed, brute) in zip(probes, verdicts, strict=True) if indexed != brute] == []
    # The probes cover both verdicts, so the comparison means something.
    assert {brute for _, brute in verdicts} == {True, False}
