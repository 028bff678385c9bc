"""``python -m bench.report_speed`` (``make bench-report``): time ``make report`` on a generated 100,000-event store.

Why a benchmark and not a timed test: the target (under 10 s on this 2-core
machine) depends on the machine and on what else runs on it, so it is
measured and printed, never asserted. Each run is the whole command a clinic
runs (``python -m insights``: interpreter start, imports, reading, grouping,
writing), in a fresh process, against a store generated into a temporary
directory (insights/synthetic.py: a week of conversations on three channels,
answers, misses, escalations and votes).

Environment: REPORT_BENCH_EVENTS (default 100000), REPORT_BENCH_RUNS (default 3).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from bench.paths import PROJECT_ROOT, PYTHON
from insights.synthetic import generated_traffic, write_store

TARGET_S = 10.0


def timed_report(store: Path, out_dir: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and the command's summary line for one ``python -m insights`` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-m", "insights", "--store-url", f"sqlite:///{store}", "--out-dir", str(out_dir)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.splitlines()[0]


def main() -> int:
    events = int(os.environ.get("REPORT_BENCH_EVENTS", "100000"))
    runs = int(os.environ.get("REPORT_BENCH_RUNS", "3"))
    knowledge = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
    with tempfile.TemporaryDirectory(prefix="report-bench-") as work:
        store = Path(work) / "trackers.db"
        written = write_store(store, generated_traffic(knowledge, events))
        print(f"Generated store: {written} events, {store.stat().st_size / 1e6:.1f} MB ({store})")
        walls = []
        for run in range(1, runs + 1):
            wall, cpu, line = timed_report(store, Path(work) / "out")
            walls.append(wall)
            load = os.getloadavg()[0]
            print(f"run {run}: {wall:.2f} s wall, {cpu:.2f} s CPU, load average {load:.2f} | {line}")
    median = statistics.median(walls)
    verdict = "met" if median < TARGET_S else "MISSED"
    print(f"make report on {written} events: median {median:.2f} s, best {min(walls):.2f} s", end=" ")
    print(f"(target < {TARGET_S:g} s: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
