"""How far a figure measured on a few hundred messages can be trusted, and whether a change is real.

The real-world sets hold 200 to 340 messages, and some figures count far fewer
(23 complication reports, 62 out-of-scope messages). One message then moves a
figure by 0.3 to 4 points, and two sets of real people's words have disagreed
about a change by that much. Two tools keep decisions honest:

- ``wilson_interval``: the 95% interval of a share. The Wilson score interval
  stays inside [0, 1] and keeps its coverage for shares near 0 or 1 and for
  small counts, where the normal approximation fails (0 of 23 false alarms is
  not "exactly 0").
- ``paired_change``: two systems scored on the same messages. Only the messages
  whose verdict changed carry information about the difference, so the exact
  McNemar test (a two-sided sign test on those messages) says whether the
  gains outnumber the losses by more than chance would.

Standard library only: the evaluation tools run where the model runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

CONFIDENCE = 0.95


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of ``successes / trials``; (nan, nan) when nothing was counted."""
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must lie in [0, trials], got {successes} of {trials}")
    if trials == 0:
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    half_width = z / denominator * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    # Clamp rounding at the edges: 0 of n has a lower bound of exactly 0.
    return (max(0.0, centre - half_width), min(1.0, centre + half_width))


def sign_test_p_value(gained: int, lost: int) -> float:
    """Two-sided exact binomial p-value of ``gained`` against ``lost`` under no difference (p = 1/2)."""
    if gained < 0 or lost < 0:
        raise ValueError("counts cannot be negative")
    changed = gained + lost
    if changed == 0:
        return 1.0
    tail = sum(math.comb(changed, k) for k in range(min(gained, lost) + 1)) / 2**changed
    return min(1.0, 2 * tail)


@dataclass(frozen=True)
class PairedChange:
    """One measure compared between two systems on the same messages.

    ``better`` and ``worse`` count messages whose verdict moved in each
    direction, so a measure where lower is better (wrong answers) counts a
    message that stopped getting a wrong answer as ``better``.
    """

    counted: int
    before: int
    after: int
    better: int
    worse: int

    @property
    def p_value(self) -> float:
        return sign_test_p_value(self.better, self.worse)

    def significant(self, level: float = 1 - CONFIDENCE) -> bool:
        return self.p_value < level


def paired_change(
    before: Sequence[bool | None], after: Sequence[bool | None], higher_is_better: bool = True
) -> PairedChange:
    """Compare per-message verdicts of one measure (True: counted as a hit; None: the message does not count).

    Both sequences describe the same messages in the same order, so a message
    counts in both or in neither; anything else means two different sets.
    """
    if len(before) != len(after):
        raise ValueError(f"the two systems were scored on different sets ({len(before)} and {len(after)} messages)")
    pairs = [(b, a) for b, a in zip(before, after, strict=True) if b is not None or a is not None]
    if any(b is None or a is None for b, a in pairs):
        raise ValueError("a message counts for one system and not the other: the labels differ")
    gained = sum(1 for b, a in pairs if a and not b)
    dropped = sum(1 for b, a in pairs if b and not a)
    return PairedChange(
        counted=len(pairs),
        before=sum(1 for b, _ in pairs if b),
        after=sum(1 for _, a in pairs if a),
        better=gained if higher_is_better else dropped,
        worse=dropped if higher_is_better else gained,
    )
