"""Figures, targets and the reports: results/bench.md (a table people read), results/bench.json, and the
generated "last run" section of docs/performance.md.

Kept free of process handling so the pass/fail and ratio logic is unit-tested (tests/unit/test_bench_harness.py).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import docgen
from bench.stats import ratio


@dataclass(frozen=True)
class Target:
    """``op`` is "<=" or ">="; ``on_ratio`` compares ours/rasa-init instead of our own figure."""

    op: str
    value: float
    on_ratio: bool = False

    def met(self, ours: float | None, reference: float | None) -> bool | None:
        """True/False, or None when the figure to compare is missing (e.g. training skipped)."""
        subject = ratio(ours, reference) if self.on_ratio else ours
        if subject is None:
            return None
        if self.op == "<=":
            return subject <= self.value
        if self.op == ">=":
            return subject >= self.value
        raise ValueError(f"unknown comparison {self.op!r}")

    def describe(self, unit: str) -> str:
        return f"{self.op} {self.value:g}× rasa init" if self.on_ratio else f"{self.op} {self.value:g} {unit}".rstrip()


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str
    ours: float | None
    reference: float | None
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return ratio(self.ours, self.reference)

    @property
    def passed(self) -> bool | None:
        return self.target.met(self.ours, self.reference) if self.target else None


@dataclass
class Report:
    figures: list[Figure]
    machine: dict[str, str]
    settings: dict[str, object]
    notes: list[str] = field(default_factory=list)
    command: str = "make bench"

    def to_json(self) -> str:
        rows = [{**asdict(f), "ratio": f.ratio, "passed": f.passed} for f in self.figures]
        return json.dumps(
            {
                "command": self.command,
                "machine": self.machine,
                "settings": self.settings,
                "figures": rows,
                "notes": self.notes,
            },
            indent=2,
        )


# The variables `make bench` reads (bench/__main__.py), in the order the reproducing command names them.
BENCH_VARIABLES = (
    "BENCH_SKIP_TRAIN",
    "BENCH_RETRAIN_INIT",
    "BENCH_MESSAGES_C1",
    "BENCH_MESSAGES_C16",
    "BENCH_MAX_SECONDS",
    "BENCH_WARMUP",
    "BENCH_ENV",
)


def reproducing_command(environ: Mapping[str, str]) -> str:
    """The command line that repeats this run: the BENCH_* variables that were set, then ``make bench``."""
    assignments = [f"{name}={shlex.quote(environ[name])}" for name in BENCH_VARIABLES if environ.get(name)]
    return " ".join([*assignments, "make bench"])


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if not unit:  # a count
        return f"{value:.0f}"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:.{digits}f} {unit}".strip()


def render_markdown(report: Report, title: bool = True) -> str:
    """Each figure, the rasa init bot's, the ratio, the target and pass/fail; the command, machine and settings.

    ``title=False`` leaves out the heading, for the section copied into docs/performance.md.
    """
    verdicts = {True: "pass", False: "**FAIL**", None: "–"}
    lines = [
        "| Figure | Ours | rasa init | Ours / rasa init | Target | Met |",
        "|---|---|---|---|---|---|",
    ]
    for f in report.figures:
        shown_ratio = "–" if f.ratio is None else f"{f.ratio:.2f}×"
        target = f.target.describe(f.unit) if f.target else ""
        name = f"{f.name} ({f.note})" if f.note else f.name
        lines.append(
            f"| {name} | {_number(f.ours, f.unit)} | {_number(f.reference, f.unit)} | {shown_ratio} | {target} "
            f"| {verdicts[f.passed]} |"
        )
    machine = ", ".join(f"{key}: {value}" for key, value in report.machine.items())
    settings = ", ".join(f"{key}={value}" for key, value in report.settings.items())
    parts = ["# `make bench`", ""] if title else []
    parts += [f"Command: `{report.command}`", "", *lines, "", f"Machine: {machine}.", "", f"Settings: {settings}."]
    if report.notes:
        parts += ["", *[f"- {note}" for note in report.notes]]
    return "\n".join(parts) + "\n"


def machine_description(rasa_version: str, proc: Path = Path("/proc")) -> dict[str, str]:
    """CPU model, cores, RAM, Python, Rasa and the date: what a reader needs to compare figures across runs."""
    cpu = "unknown"
    try:
        for line in (proc / "cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = "unknown"
    try:
        total_kib = int((proc / "meminfo").read_text().split("MemTotal:", 1)[1].split()[0])
        ram_gib = f"{total_kib / 1024**2:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": ram_gib,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Rasa": rasa_version,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def write(report: Report, results_dir: Path) -> Path:
    """Write bench.md and bench.json into ``results_dir``; returns the Markdown file."""
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "bench.json").write_text(report.to_json() + "\n")
    markdown = results_dir / "bench.md"
    markdown.write_text(render_markdown(report))
    return markdown


# docs/performance.md keeps the last run between these two lines; `make bench` rewrites what is between them.
BENCH_COMMAND = "make bench"
SECTION_START, SECTION_END = docgen.markers(BENCH_COMMAND)


def replace_section(document: str, body: str) -> str:
    """``document`` with the text between SECTION_START and SECTION_END replaced by ``body``."""
    return docgen.replace_section(document, body, BENCH_COMMAND)


def write_into_doc(report: Report, doc: Path) -> None:
    """Put this run's table, command, machine and notes into the generated section of ``doc``."""
    docgen.write_section(doc, render_markdown(report, title=False), BENCH_COMMAND)
