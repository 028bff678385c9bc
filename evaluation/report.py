"""Write the evaluation as a Markdown table, JSON and a confusion-matrix image under results/."""

from __future__ import annotations

import json
import math
from pathlib import Path

from evaluation.answer_metrics import ANSWER_TARGETS, AnswerScores, meets_answer_target, meets_target
from evaluation.metrics import QualityScores

# Targets from the issues (overall accuracy: core issue; the rest: evaluation issue). Lower is better only
# for the rates in LOWER_IS_BETTER.
TARGETS: dict[str, tuple[str, float]] = {
    "intent accuracy (all messages)": (">=", 0.90),
    "in-scope accuracy": (">=", 0.95),
    "out-of-scope recall": (">=", 0.90),
    "complication recall": (">=", 1.0),
    "wrong-answer rate": ("<=", 0.03),
}
LOWER_IS_BETTER = {"wrong-answer rate", "false escalation rate"}


def figure(value: float) -> str:
    """A table cell: three decimals, or "–" when the set has no message the figure counts (NaN)."""
    return "–" if math.isnan(value) else f"{value:.3f}"


def with_interval(scores: AnswerScores, metric: str) -> str:
    """A figure and its 95% Wilson interval, "0.798 (0.745–0.843)"; the figure alone when counts are unknown."""
    value = figure(scores.as_row()[metric])
    if metric not in scores.counts or not scores.counts[metric][1]:
        return value
    low, high = scores.interval(metric)
    return f"{value} ({low:.3f}–{high:.3f})"


INTERVAL_NOTE = (
    "In brackets: the 95% interval (Wilson score) of the assistant's figure, from the number of messages it "
    "counts. A target outside it is missed by more than this set's sampling error; two systems are compared "
    "message by message with `make compare`, not by these intervals."
)


def meets(metric: str, value: float) -> bool | None:
    return meets_target(TARGETS, metric, value)


def ahead_of_baselines(metric: str, ours: float, baselines: list[float]) -> bool:
    """Strictly better than every baseline, or tied at the ideal value (1.0 recall, 0 wrong answers)."""
    ideal = 0.0 if metric in LOWER_IS_BETTER else 1.0
    if math.isclose(ours, ideal):
        return True
    return all((ours < b) if metric in LOWER_IS_BETTER else (ours > b) for b in baselines)


def markdown(scores: dict[str, QualityScores], descriptions: dict[str, str], header: str) -> str:
    names = list(scores)
    ours = names[0]
    lines = [header, "", "| metric | target | " + " | ".join(names) + " | target met | ahead of both baselines |"]
    lines.append("|---" * (len(names) + 4) + "|")
    for metric in scores[ours].as_row():
        values = [scores[name].as_row()[metric] for name in names]
        target = f"{TARGETS[metric][0]} {TARGETS[metric][1]:.2f}" if metric in TARGETS else ""
        met = meets(metric, values[0])
        ahead = ahead_of_baselines(metric, values[0], values[1:])
        cells = " | ".join(figure(v) for v in values)
        met_cell = "" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {metric} | {target} | {cells} | {met_cell} | {'yes' if ahead else '**no**'} |")
    lines += ["", "Systems:", ""]
    lines += [f"- **{name}**: {descriptions[name]}" for name in names]
    for name in names:
        pairs = ", ".join(f"{e} → {p} ({n})" for e, p, n in scores[name].confused_pairs) or "none"
        lines.append(
            f"\nWorst-confused intents, {name}: {pairs}; sent to clarification: {scores[name].fallback_rate:.3f}"
        )
    return "\n".join(lines) + "\n"


def answer_markdown(set_name: str, scores: dict[str, AnswerScores], ours: str) -> str:
    """One set's end-to-end table (every system), then the assistant's per-topic accuracy and worst misses."""
    names = list(scores)
    lines = [f"## End to end, {set_name} set", ""]
    lines.append("| what the person was shown | target | " + " | ".join(names) + " | target met |")
    lines.append("|---" * (len(names) + 3) + "|")
    for metric, value in scores[ours].as_row().items():
        target = (
            " ".join(f"{part:.2f}" if isinstance(part, float) else part for part in ANSWER_TARGETS[metric])
            if (metric in ANSWER_TARGETS)
            else ""
        )
        met = meets_answer_target(metric, value)
        cells = " | ".join(
            with_interval(scores[name], metric) if name == ours else figure(scores[name].as_row()[metric])
            for name in names
        )
        lines.append(f"| {metric} | {target} | {cells} | {'' if met is None else ('yes' if met else '**no**')} |")
    topics = ", ".join(
        f"{topic.removeprefix('ask_')} {right}/{total}" for topic, (right, total) in scores[ours].per_topic.items()
    )
    misses = ", ".join(f"{asked} → {shown} ({n})" for asked, shown, n in scores[ours].confusions) or "none"
    lines += [
        "",
        INTERVAL_NOTE,
        "",
        f"Right answers per topic, {ours}: {topics}.",
        "",
        f"Worst misses, {ours}: {misses}.",
        "",
    ]
    return "\n".join(lines)


def write_json(
    path: Path,
    scores: dict[str, QualityScores],
    extra: dict,
    answers: dict[str, dict[str, AnswerScores]] | None = None,
) -> None:
    end_to_end = {
        set_name: {
            name: {
                **s.as_row(),
                "messages": s.messages,
                "counts (hits, counted)": s.counts,
                "per topic": s.per_topic,
                "worst misses": s.confusions,
            }
            for name, s in by_system.items()
        }
        for set_name, by_system in (answers or {}).items()
    }
    payload = {
        name: {
            **s.as_row(),
            "messages": s.messages,
            "fallback rate": s.fallback_rate,
            "confused pairs": s.confused_pairs,
        }
        for name, s in scores.items()
    }
    document = {**extra, "systems": payload, "end_to_end": end_to_end}
    path.write_text(json.dumps(document, indent=2) + "\n")


def confusion_matrix_image(path: Path, expected: list[str], predicted: list[str | None], title: str) -> None:
    """Rows: intended intent; columns: predicted intent (plus nlu_fallback). Counts in each cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = sorted(set(expected))
    columns = rows + sorted({p or "none" for p in predicted} - set(rows))
    matrix = np.zeros((len(rows), len(columns)), dtype=int)
    for e, p in zip(expected, predicted, strict=True):
        matrix[rows.index(e), columns.index(p or "none")] += 1
    figure, axes = plt.subplots(figsize=(15, 13))
    axes.imshow(matrix / matrix.sum(1, keepdims=True), cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(columns)), columns, rotation=90, fontsize=8)
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    axes.set_xlabel("predicted intent")
    axes.set_ylabel("intended intent (held-out label)")
    axes.set_title(title)
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            share = count / matrix[i].sum()
            axes.text(j, i, str(count), ha="center", va="center", fontsize=6, color="white" if share > 0.5 else "black")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


EVAL_COMMAND = "make eval"
SUMMARY_SETS = ("held-out", "real-world", "real-world test part")


def summary_markdown(answers: dict[str, dict[str, AnswerScores]], ours: str, measured: str) -> str:
    """The figures docs/evaluation.md shows: the assistant on each set, every system on the real-world set.

    Only aggregate tables: per-topic results and worst misses of any set holding the test part stay in
    results/eval.md, so a reader of the docs never sees which of its messages failed.
    """
    sets = [name for name in SUMMARY_SETS if name in answers]
    lines = [
        measured,
        "",
        "| what the person was shown | target | " + " | ".join(f"{name}, {ours}" for name in sets) + " |",
    ]
    lines.append("|---" * (len(sets) + 2) + "|")
    for metric in answers[sets[0]][ours].as_row():
        target = " ".join(f"{part:.2f}" if isinstance(part, float) else part for part in ANSWER_TARGETS.get(metric, ()))
        cells = " | ".join(with_interval(answers[name][ours], metric) for name in sets)
        lines.append(f"| {metric} | {target} | {cells} |")
    lines += ["", INTERVAL_NOTE]
    if "real-world" in answers:
        table = answer_markdown("real-world", answers["real-world"], ours).replace("## End to end,", "###", 1)
        # The whole set's per-topic results and misses include the test part's: they stay in results/eval.md.
        lines += ["", table.split("\n\n" + INTERVAL_NOTE)[0]]
    return "\n".join(lines)
