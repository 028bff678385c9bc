"""Numbers and ranges as a clinic writes them in the knowledge file ("250-450", 1100).

A price list is typed by hand. A price that is not a number or a range must stop
the action server with the entry and field named, never reach a patient as a
wrong sum, so parsing is strict and lives apart from the wording of the estimate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"\d+(?:\.\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*(?:(?:-|–|to)\s*({_NUMBER}))?\s*$")


@dataclass(frozen=True)
class Range:
    """A closed range of non-negative numbers; ``low == high`` for a single value."""

    low: float
    high: float

    @classmethod
    def parse(cls, value: object) -> Range:
        """Read 300, 250.5, "250-450", "250–450" or "250 to 450"; anything else raises ValueError."""
        if isinstance(value, bool):
            raise ValueError("must be a number or a range like 250-450")
        if isinstance(value, (int, float)):
            if value < 0:
                raise ValueError("must not be negative")
            return cls(float(value), float(value))
        match = _RANGE.match(str(value)) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"must be a number or a range like 250-450 (found {value!r})")
        low = float(match.group(1))
        high = float(match.group(2)) if match.group(2) else low
        if high < low:
            raise ValueError(f"range {value!r} runs backwards: write the lower number first")
        return cls(low, high)

    def times(self, other: Range) -> Range:
        """The product of two ranges (sessions × price per session)."""
        return Range(self.low * other.low, self.high * other.high)

    def as_count(self) -> str:
        """Sessions as people write them: "3", "6–10"."""
        return _join(_plain(self.low), _plain(self.high))

    def as_money(self, currency: str) -> str:
        """Money with thousands separators: "$250–$450", "$1,100"."""
        return _join(_money(self.low, currency), _money(self.high, currency))


def _join(low: str, high: str) -> str:
    return low if low == high else f"{low}–{high}"


def _plain(number: float) -> str:
    return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"


def _money(amount: float, currency: str) -> str:
    return f"{currency}{_plain(amount)}"
