"""Write the evaluation as a Markdown table, JSON and a confusion-matrix image under results/."""

from __future__ import annotations

import json
import math
from pathlib import Path

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


def meets(metric: str, value: float) -> bool | None:
    if metric not in TARGETS:
        return None
    comparison, target = TARGETS[metric]
    return value >= target - 1e-12 if comparison == ">=" else value <= target + 1e-12


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
        cells = " | ".join(f"{v:.3f}" for v in values)
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


def write_json(path: Path, scores: dict[str, QualityScores], extra: dict) -> None:
    payload = {
        name: {
            **s.as_row(),
            "messages": s.messages,
            "fallback rate": s.fallback_rate,
            "confused pairs": s.confused_pairs,
        }
        for name, s in scores.items()
    }
    path.write_text(json.dumps({**extra, "systems": payload}, indent=2) + "\n")


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
