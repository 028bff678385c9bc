"""`python -m evaluation.label_agreement`: how far two independent labellers agree on the real-world sets.

Why: the issue's real-world targets (0.92 right answers, every complication report
escalated) are scored against one labeller's choices. Where careful people disagree
about which answer a message needs, no assistant can score above their agreement,
so the targets need that ceiling beside them. tests/nlu/second_labels.yml holds a
second labelling by helpers who saw only docs/topic-guide.md and the texts; this
scores the second labeller exactly as `make eval` scores the assistant (its one
label against the set's label and ``also_ok``), by kind of message, on the dev and
test parts and the second development set. It reads no model and no answer.

``--show-dev`` prints the disagreements of the development sets only (the dev part
and the second development set): the test part's messages stay unread.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from evaluation.labelled_data import (
    COMPLICATION,
    OUT_OF_SCOPE,
    PROJECT_ROOT,
    REAL_WORLD_DEV_FILE,
    REAL_WORLD_FILE,
    LabelledMessage,
    faq_intents,
    load_real_world,
    real_world_part,
)

SECOND_LABELS_FILE = PROJECT_ROOT / "tests" / "nlu" / "second_labels.yml"
AFTER_EFFECTS = "ask_after_effects_check"


def load_second_labels(path: Path = SECOND_LABELS_FILE) -> dict[str, list[LabelledMessage]]:
    """The second labelling, per evaluation file name (``real_world.yml``...), in that file's order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        name: [
            LabelledMessage(str(entry["text"]).strip(), str(entry["intent"]), also_ok=tuple(entry.get("also_ok") or ()))
            for entry in entries
        ]
        for name, entries in data.items()
    }


def paired(
    first: Sequence[LabelledMessage], second: Sequence[LabelledMessage]
) -> list[tuple[LabelledMessage, LabelledMessage]]:
    """The two labellings message by message; a text that differs means the files drifted apart."""
    if len(first) != len(second):
        raise ValueError(f"{len(first)} messages labelled first, {len(second)} second")
    for index, (a, b) in enumerate(zip(first, second, strict=True)):
        if a.text != b.text:
            raise ValueError(f"message {index} differs: {a.text[:60]!r} against {b.text[:60]!r}")
    return list(zip(first, second, strict=True))


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Agreement beyond what two labellers with these label frequencies would reach by chance (1 = all agree)."""
    if len(first) != len(second) or not first:
        raise ValueError("kappa needs two equally long, non-empty label lists")
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / len(first)
    counts_a, counts_b = Counter(first), Counter(second)
    expected = sum(counts_a[label] * counts_b[label] for label in counts_a) / len(first) ** 2
    return 1.0 if expected == 1.0 else (observed - expected) / (1.0 - expected)


@dataclass(frozen=True)
class Agreement:
    """The second labeller scored like the assistant, on one group of messages."""

    messages: int
    same_label: float  # the same first label
    kappa: float
    faq_right: float | None  # FAQ questions: the second's label is one the set accepts
    out_of_scope_kept: float | None  # out-of-scope messages the second also calls out of scope
    complications_agreed: float | None  # complication reports the second also calls one
    after_effects_agreed: float | None  # calm after-effect questions the second labels the same way
    second_calls_complication: float  # plain messages (the set: no complication) the second calls a complication
    # Every message: the second's label is an FAQ topic the set does not accept. The assistant's "FAQ answer to a
    # different question"; a labeller must pick one label where the assistant may ask "Did you mean".
    second_gives_other_faq: float

    @classmethod
    def of(cls, pairs: Sequence[tuple[LabelledMessage, LabelledMessage]]) -> Agreement:
        def share(
            group: list[tuple[LabelledMessage, LabelledMessage]],
            agrees: Callable[[LabelledMessage, LabelledMessage], bool],
        ) -> float | None:
            return sum(bool(agrees(a, b)) for a, b in group) / len(group) if group else None

        faq_questions = set(faq_intents())  # make eval's "FAQ questions": every ask_* intent of the domain
        faq = [(a, b) for a, b in pairs if a.intent in faq_questions]
        plain = [(a, b) for a, b in pairs if COMPLICATION not in a.acceptable]
        return cls(
            messages=len(pairs),
            same_label=sum(a.intent == b.intent for a, b in pairs) / len(pairs),
            kappa=cohen_kappa([a.intent for a, _ in pairs], [b.intent for _, b in pairs]),
            faq_right=share(faq, lambda a, b: b.intent in a.acceptable),
            out_of_scope_kept=share(
                [p for p in pairs if p[0].intent == OUT_OF_SCOPE], lambda a, b: b.intent == OUT_OF_SCOPE
            ),
            complications_agreed=share(
                [p for p in pairs if p[0].intent == COMPLICATION], lambda a, b: b.intent == COMPLICATION
            ),
            after_effects_agreed=share(
                [p for p in pairs if p[0].intent == AFTER_EFFECTS], lambda a, b: b.intent in a.acceptable
            ),
            second_calls_complication=share(plain, lambda a, b: b.intent == COMPLICATION) or 0.0,
            second_gives_other_faq=share(
                list(pairs), lambda a, b: b.intent in faq_questions and b.intent not in a.acceptable
            )
            or 0.0,
        )


def groups() -> dict[str, list[tuple[LabelledMessage, LabelledMessage]]]:
    """Real-world set (whole, dev part, test part) and the second development set, each paired."""
    second = load_second_labels()
    real_world = paired(load_real_world(REAL_WORLD_FILE), second[REAL_WORLD_FILE.name])
    return {
        "real-world, whole": real_world,
        "real-world, dev part": [p for p in real_world if real_world_part(p[0]) == "dev"],
        "real-world, test part": [p for p in real_world if real_world_part(p[0]) == "test"],
        "second development set": paired(load_real_world(REAL_WORLD_DEV_FILE), second[REAL_WORLD_DEV_FILE.name]),
    }


def table(by_group: dict[str, Agreement]) -> str:
    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:.3f}"

    rows = [
        "| set | messages | same label | kappa | FAQ question: a label the set accepts | out-of-scope kept "
        "| complication report agreed | after-effect question agreed | plain message called a complication "
        "| an FAQ label the set does not accept (all messages) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows += [
        f"| {name} | {a.messages} | {a.same_label:.3f} | {a.kappa:.3f} | {cell(a.faq_right)} "
        f"| {cell(a.out_of_scope_kept)} | {cell(a.complications_agreed)} | {cell(a.after_effects_agreed)} "
        f"| {a.second_calls_complication:.3f} | {a.second_gives_other_faq:.3f} |"
        for name, a in by_group.items()
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--show-dev", action="store_true", help="print the development sets' disagreements")
    args = parser.parse_args(argv)
    by_group = groups()
    print(table({name: Agreement.of(pairs) for name, pairs in by_group.items()}))
    if args.show_dev:
        for name in ("real-world, dev part", "second development set"):
            print(f"\n{name}: the set's label (also_ok) | the second labeller's | text")
            for a, b in by_group[name]:
                if b.intent not in a.acceptable:
                    print(f"- {a.intent} {list(a.also_ok) or ''} | {b.intent} {list(b.also_ok) or ''} | {a.text[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
