"""Compare two trained models message by message on the sets meant for choosing, and say whether it is real.

    python -m evaluation.compare_models --before OLD.tar.gz [--after models/microneedling-faq.tar.gz]
        [--sets blind dev dev2 validation] [--show-changes] [--test-sets]

A change to the training data or the pipeline moves a few messages on each set
of real people's words, and two such sets have disagreed about the same change
(docs/evaluation.md). Comparing the two figures' intervals wastes the pairing:
both systems answered the same messages. So for every end-to-end measure this
prints both figures with their 95% intervals, how many messages got better and
worse, and the exact McNemar p-value of that split (evaluation.uncertainty).

Each model's parses are replayed through the real actions in-process (as `make
eval` does for the baselines; its check finds the webhook and the replay agree)
and cached under build/compare/ by the model file's hash, so comparing a new
model with the last one parses only the new one.

Reading rules the output keeps: it never prints a message of the real-world
validation set or of a test set; `--show-changes` lists changed messages of the
sets that are read while improving the assistant (blind-written, the real-world
dev part, the extra dev set) and refuses otherwise. The held-out set and the
real-world test part are measured only with `--test-sets`, which every such run
must disclose.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.answer_metrics import measures, message_verdicts
from evaluation.labelled_data import (
    BLIND_WRITTEN_FILE,
    HOLDOUT_FILE,
    PROJECT_ROOT,
    REAL_WORLD_DEV_FILE,
    REAL_WORLD_VALIDATION_2_FILE,
    REAL_WORLD_VALIDATION_FILE,
    LabelledMessage,
    faq_intents,
    load_labelled,
    load_real_world,
    real_world_part,
)
from evaluation.uncertainty import PairedChange, paired_change, wilson_interval

CACHE_DIR = PROJECT_ROOT / "build" / "compare"


@dataclass(frozen=True)
class MessageSet:
    """A named evaluation set and whether its messages may be read while improving the assistant."""

    name: str
    load: Callable[[], list[LabelledMessage]]
    readable: bool
    test_set: bool = False


SETS: dict[str, MessageSet] = {
    s.name: s
    for s in (
        MessageSet("blind", lambda: load_real_world(BLIND_WRITTEN_FILE), readable=True),
        MessageSet("dev", lambda: [m for m in load_real_world() if real_world_part(m) == "dev"], readable=True),
        MessageSet("dev2", lambda: load_real_world(REAL_WORLD_DEV_FILE), readable=True),
        MessageSet("validation", lambda: load_real_world(REAL_WORLD_VALIDATION_FILE), readable=False),
        MessageSet("validation2", lambda: load_real_world(REAL_WORLD_VALIDATION_2_FILE), readable=False),
        MessageSet("held-out", lambda: load_labelled(HOLDOUT_FILE), readable=False, test_set=True),
        MessageSet(
            "real-world-test",
            lambda: [m for m in load_real_world() if real_world_part(m) == "test"],
            readable=False,
            test_set=True,
        ),
    )
}
DEFAULT_SETS = ("blind", "dev", "dev2", "validation", "validation2")


def model_key(model: Path) -> str:
    """The model file's content hash: two trainings of the same inputs are one model, a retrain is another."""
    digest = hashlib.sha256()
    with model.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:20]


def cached_parses(model: Path, sets: dict[str, list[LabelledMessage]]) -> dict[str, list[dict[str, Any]]]:
    """Each set's parses by ``model``, from build/compare/ when this model parsed those texts before."""
    key = model_key(model)
    result: dict[str, list[dict[str, Any]]] = {}
    missing: dict[str, list[str]] = {}
    for name, messages in sets.items():
        texts = [m.text for m in messages]
        path = CACHE_DIR / f"{key}-{name}.json"
        if path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored["texts"] == texts:
                result[name] = stored["parses"]
                continue
        missing[name] = texts
    if missing:
        from evaluation.systems import RasaModelSystem

        system = RasaModelSystem(model.name, "", model)
        system.prepare()
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        for name, texts in missing.items():
            print(f"[compare] {model}: parsing {len(texts)} messages of {name}", file=sys.stderr, flush=True)
            parses = [_jsonable(p) for p in system.parse(texts)]
            (CACHE_DIR / f"{key}-{name}.json").write_text(json.dumps({"texts": texts, "parses": parses}))
            result[name] = parses
    return result


def _jsonable(parse: dict[str, Any]) -> dict[str, Any]:
    """What the actions read of a parse, as plain JSON (Rasa's parse carries NumPy numbers)."""
    return json.loads(json.dumps(parse, default=float))


class Replayer:
    """The real actions, the reply reader and the FAQ topics, built once for every set and both models.

    Each of them reads files (the rules, the knowledge file, the domain); a comparison replays
    two models on up to six sets, so building them per call would read those files a dozen times.
    """

    def __init__(self) -> None:
        from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
        from evaluation.action_replay import ActionReplay
        from evaluation.reply_outcome import ReplyReader

        self.faqs = set(faq_intents())
        self._replay, self._reader = ActionReplay(), ReplyReader(load_knowledge_base(DEFAULT_KNOWLEDGE_FILE))

    def verdicts(self, messages: list[LabelledMessage], parses: list[dict[str, Any]]) -> dict[str, list[bool | None]]:
        """Each measure's verdict per message after the real actions answered each parse."""
        outcomes = [self._reader.read(self._replay.reply(m.text, p)) for m, p in zip(messages, parses, strict=True)]
        return message_verdicts(messages, outcomes, self.faqs)


def share_cell(hits: int, counted: int) -> str:
    if not counted:
        return "–"
    low, high = wilson_interval(hits, counted)
    return f"{hits}/{counted} {hits / counted:.3f} ({low:.3f}–{high:.3f})"


def comparison_table(set_name: str, changes: dict[str, PairedChange]) -> str:
    lines = [
        f"### {set_name}",
        "",
        "| measure | before | after | better | worse | p (exact McNemar) |",
        "|---|---|---|---|---|---|",
    ]
    for measure, change in changes.items():
        flag = " *" if change.significant() else ""
        lines.append(
            f"| {measure} | {share_cell(change.before, change.counted)} | {share_cell(change.after, change.counted)} "
            f"| {change.better} | {change.worse} | {change.p_value:.3f}{flag} |"
        )
    return "\n".join(lines)


def changed_messages(
    messages: list[LabelledMessage], before: dict[str, list[bool | None]], after: dict[str, list[bool | None]]
) -> list[str]:
    """Readable sets only: each message whose verdict changed on any measure, with the measures."""
    lines = []
    for index, message in enumerate(messages):
        moved = [name for name in before if before[name][index] != after[name][index]]
        if moved:
            lines.append(f"- [{message.intent}] {message.text!r}: {', '.join(moved)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the model to compare against")
    parser.add_argument("--after", type=Path, default=PROJECT_ROOT / "models" / "microneedling-faq.tar.gz")
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS), choices=list(SETS))
    parser.add_argument("--show-changes", action="store_true", help="list changed messages (readable sets only)")
    parser.add_argument("--test-sets", action="store_true", help="allow the held-out set and the real-world test part")
    args = parser.parse_args(argv)

    chosen = [SETS[name] for name in dict.fromkeys(args.sets)]  # each set once, in the order given
    if not args.test_sets and any(s.test_set for s in chosen):
        parser.error("the held-out set and the real-world test part need --test-sets (and a disclosure)")
    if args.show_changes and not all(s.readable for s in chosen):
        parser.error("--show-changes prints messages: only for blind, dev and dev2, never validation or test sets")
    for model in (args.before, args.after):
        if not model.exists():
            parser.error(f"no model at {model}")

    messages = {s.name: s.load() for s in chosen}
    parses_before = cached_parses(args.before, messages)
    parses_after = cached_parses(args.after, messages)
    replayer = Replayer()
    directions = {m.label: m.higher_is_better for m in measures(replayer.faqs)}
    print(f"Before: {args.before}. After: {args.after}. `*`: p < 0.05.\n")
    if any(s.test_set for s in chosen):
        print("Test sets measured (--test-sets): disclose this run.\n")
    for s in chosen:
        before = replayer.verdicts(messages[s.name], parses_before[s.name])
        after = replayer.verdicts(messages[s.name], parses_after[s.name])
        changes = {name: paired_change(before[name], after[name], directions[name]) for name in before}
        print(comparison_table(f"{s.name} ({len(messages[s.name])} messages)", changes) + "\n")
        if args.show_changes:
            print("\n".join(changed_messages(messages[s.name], before, after) or ["(no message changed)"]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
