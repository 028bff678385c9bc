"""One definition of "the same example", shared by the data generator and the tests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

import numpy as np

NEAR_COPY_RATIO = 0.9
NEAR_COPY_MIN_WORDS = 5


def normalise(text: str) -> str:
    """Lowercase, punctuation and spacing folded: "What is it?!" == "what is  it".

    An apostrophe is punctuation too, so "What's it?" becomes "what s it", not "whats it".
    """
    return re.sub(r"\W+", " ", text.lower()).strip()


# Characters are counted in this many buckets (a character's code point modulo it) for the prefilter below.
_CHARACTER_BUCKETS = 64


def _character_counts(texts: list[str]) -> np.ndarray:
    """Each text's characters counted into ``_CHARACTER_BUCKETS`` buckets (one row per text)."""
    counts = np.zeros((len(texts), _CHARACTER_BUCKETS), dtype=np.int32)
    for row, text in enumerate(texts):
        np.add.at(counts[row], [ord(character) % _CHARACTER_BUCKETS for character in text], 1)
    return counts


class NearCopyIndex:
    """Finds which of a fixed set of examples a text copies.

    A copy is equal after ``normalise``, or, when either side has 5+ words, at
    least 90% similar character-wise (light edits do not make an example new).
    Checking thousands of texts against thousands of examples must stay fast (the
    tests run it for every evaluation set, both ways), so SequenceMatcher only sees
    the examples that pass an upper bound on its ratio computed for all of them at
    once: the characters two texts share, counted per bucket, can only exceed what
    they share character by character, which is what ``quick_ratio`` bounds the
    ratio with. The decision is SequenceMatcher's, unchanged.
    """

    def __init__(self, examples: Iterable[str]) -> None:
        self._exact = {normalise(text): text for text in examples}
        normalised = list(self._exact)
        self._originals = list(self._exact.values())
        self._matchers = [SequenceMatcher(None, "", norm) for norm in normalised]
        self._lengths = np.array([len(norm) for norm in normalised], dtype=np.int64)
        self._words = np.array([len(norm.split()) for norm in normalised], dtype=np.int64)
        self._counts = _character_counts(normalised)

    def copied_example(self, text: str) -> str | None:
        """The indexed example ``text`` copies, or None."""
        norm = normalise(text)
        if norm in self._exact:
            return self._exact[norm]
        if not self._originals:
            return None
        shared_at_most = np.minimum(self._counts, _character_counts([norm])[0]).sum(axis=1)
        could_reach = 2 * shared_at_most >= NEAR_COPY_RATIO * (self._lengths + len(norm))
        long_enough = np.maximum(self._words, len(norm.split())) >= NEAR_COPY_MIN_WORDS
        for candidate in np.flatnonzero(could_reach & long_enough):
            matcher = self._matchers[candidate]
            matcher.set_seq1(norm)
            if matcher.quick_ratio() >= NEAR_COPY_RATIO and matcher.ratio() >= NEAR_COPY_RATIO:
                return self._originals[candidate]
        return None


def near_copies(texts: Iterable[str], of: Iterable[str]) -> list[str]:
    """The ``texts`` that copy one of ``of``: the check every evaluation set runs against training, both ways."""
    index = NearCopyIndex(of)
    return [text for text in texts if index.copied_example(text)]


def near_copies_either_way(texts: Iterable[str], others: Iterable[str]) -> list[str]:
    """Texts of either side that copy one of the other's: how an evaluation set is kept apart from training.

    Both directions, because the similarity is not symmetric for long texts: SequenceMatcher treats the
    indexed side's frequent characters as junk once it has 200 characters or more.
    """
    texts, others = list(texts), list(others)
    return near_copies(texts, of=others) + near_copies(others, of=texts)
