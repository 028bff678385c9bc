"""Group similar unanswered questions, so staff see "12 people asked about Botox" instead of 12 lines.

Greedy leader clustering on sentence embeddings: distinct questions are taken
most frequent first; each joins the group whose centroid is most similar
(cosine >= ``threshold``) or starts a new one. It is deterministic, needs no
number of groups up front and costs one matrix-vector product per question.
The threshold 0.6 was chosen on 16 hand-written questions: every Botox, lip
filler, tattoo and laser hair removal wording together and those topics apart
(0.5-0.6 gave the same groups; 0.65 split "how many units of botox...").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

DEFAULT_THRESHOLD = 0.6
MAX_ENCODED = 1000  # distinct wordings encoded (~3 s); rarer ones are listed ungrouped, keeping a huge store fast
MAX_EXAMPLES = 5


@dataclass
class Group:
    """Questions that ask the same thing: how often, and the distinct wordings, most frequent first."""

    count: int = 0
    wordings: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    ungrouped: bool = False  # the rarest wordings, beyond ``MAX_ENCODED``: listed, not grouped

    def examples(self, limit: int = MAX_EXAMPLES) -> list[str]:
        """Up to ``limit`` distinct wordings, most frequent first (ties alphabetical, case folded)."""
        return [text for text, _ in sorted(self.wordings.items(), key=lambda i: (-i[1], i[0].lower(), i[0]))[:limit]]


def _key(text: str) -> str:
    """Case and spacing folded, so "Botox?" and "botox ?" count as one wording."""
    return re.sub(r"\s+", " ", text.strip().lower())


def group_questions(
    questions: Iterable[tuple[str, str]],
    embed: Callable[[list[str]], np.ndarray],
    threshold: float = DEFAULT_THRESHOLD,
    max_encoded: int = MAX_ENCODED,
) -> list[Group]:
    """Groups of ``(text, reason)`` pairs, largest first (ties: most frequent first wording).

    ``embed`` maps texts to L2-normalised rows. Only the ``max_encoded`` most
    frequent distinct wordings are encoded; the rest come last, as one group
    marked ``ungrouped``.
    """
    by_key: dict[str, Group] = {}
    for text, reason in questions:
        single = by_key.setdefault(_key(text), Group())
        single.count += 1
        single.wordings[text] += 1
        single.reasons[reason] += 1
    if not by_key:
        return []
    ordered = sorted(by_key.items(), key=lambda item: (-item[1].count, item[0]))
    encoded, rest = ordered[:max_encoded], ordered[max_encoded:]
    vectors = np.asarray(embed([single.examples(1)[0] for _, single in encoded]), dtype=np.float32)
    groups: list[Group] = []
    sums = np.zeros((len(encoded), vectors.shape[1]), dtype=np.float32)
    centroids = np.zeros_like(sums)
    for (_, single), vector in zip(encoded, vectors, strict=True):
        target = None
        if groups:
            similarity = centroids[: len(groups)] @ vector
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                target = best
        if target is None:
            target = len(groups)
            groups.append(Group())
        group = groups[target]
        group.count += single.count
        group.wordings.update(single.wordings)
        group.reasons.update(single.reasons)
        sums[target] += vector * single.count
        centroids[target] = sums[target] / (np.linalg.norm(sums[target]) or 1.0)
    groups.sort(key=lambda g: (-g.count, g.examples(1)[0].lower()))
    if rest:
        tail = Group(ungrouped=True)
        for _, single in rest:
            tail.count += single.count
            tail.wordings.update(single.wordings)
            tail.reasons.update(single.reasons)
        groups.append(tail)
    return groups
