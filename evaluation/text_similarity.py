"""One definition of "the same example", shared by the data generator and the tests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

NEAR_COPY_RATIO = 0.9
NEAR_COPY_MIN_WORDS = 5


def normalise(text: str) -> str:
    """Lowercase, punctuation and spacing folded: "What is it?!" == "what is  it".

    An apostrophe is punctuation too, so "What's it?" becomes "what s it", not "whats it".
    """
    return re.sub(r"\W+", " ", text.lower()).strip()


class NearCopyIndex:
    """Finds which of a fixed set of examples a text copies.

    A copy is equal after ``normalise``, or, when either side has 5+ words, at
    least 90% similar character-wise (light edits do not make an example new). Each
    indexed example keeps its own ``SequenceMatcher`` and only examples of a
    compatible length are compared, so checking thousands of texts stays fast.
    """

    def __init__(self, examples: Iterable[str]) -> None:
        self._exact = {normalise(text): text for text in examples}
        self._indexed = [
            (len(norm), len(norm.split()), SequenceMatcher(None, "", norm), text) for norm, text in self._exact.items()
        ]

    def copied_example(self, text: str) -> str | None:
        """The indexed example ``text`` copies, or None."""
        norm = normalise(text)
        if norm in self._exact:
            return self._exact[norm]
        # ratio = 2*matches/(len_a+len_b) cannot reach 0.9 when lengths differ too much
        slack = (1 - NEAR_COPY_RATIO) / (1 + NEAR_COPY_RATIO)
        words = len(norm.split())
        for length, example_words, matcher, original in self._indexed:
            if max(words, example_words) < NEAR_COPY_MIN_WORDS or abs(length - len(norm)) > slack * (
                length + len(norm)
            ):
                continue
            matcher.set_seq1(norm)
            if matcher.quick_ratio() >= NEAR_COPY_RATIO and matcher.ratio() >= NEAR_COPY_RATIO:
                return original
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
