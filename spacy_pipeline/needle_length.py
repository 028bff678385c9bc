"""Normalise a needle length as people type it ("0.5mm", ".5 mm", "1 millimetre").

Kept free of spaCy and Rasa imports so the action server and the NLU component
agree on one canonical spelling without sharing heavy dependencies.
"""

from __future__ import annotations

import re

_NUMBER_WORDS = {
    "half": 0.5,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
}
_NUMBER = re.compile(r"\d*[.,]?\d+")


def canonical_needle_length(text: str) -> str | None:
    """Return the canonical "<number> mm" form, or None if no length is found.

    The canonical form always carries at least one decimal ("1.0 mm", "0.25 mm")
    so that "1mm", "1 mm" and "1.0 millimeter" all meet the same knowledge variant.
    """
    lowered = text.lower()
    match = _NUMBER.search(lowered)
    if match:
        value = float(match.group().replace(",", "."))
    else:
        words = [w for w in re.split(r"\W+", lowered) if w in _NUMBER_WORDS]
        if not words:
            return None
        value = _NUMBER_WORDS[words[0]]
    if value <= 0 or value > 10:
        return None
    digits = f"{value:.2f}".rstrip("0")
    if digits.endswith("."):
        digits += "0"
    return f"{digits} mm"
