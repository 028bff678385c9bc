"""``python -m bench.nlu_parse_time [MODEL ...]``: NLU parse time per message and peak memory, in process.

Why beside ``make bench``: the benchmark's conversations are the assistant's own FAQ
questions, and every one of them is parsed with a confident first intent, so a model
whose cost depends on how sure it is (a cascade that asks a second encoder about
unsure messages) shows no difference there. This times ``Agent.parse_message`` alone
on the 1,908 blind-written validation messages, which span sure and unsure
phrasings, one message at a time on one thread, after a warm-up. Each model runs in
its own process so one's memory does not count against another's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.stats import summarize
from service.launcher import DEFAULT_MODEL

WARM_UP = 50


async def _parse_times(model: Path, texts: list[str]) -> list[float]:
    """Seconds per ``parse_message`` call, after ``WARM_UP`` untimed calls."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    for text in texts[:WARM_UP]:
        await agent.parse_message(text)
    seconds = []
    for text in texts:
        start = time.perf_counter()
        await agent.parse_message(text)
        seconds.append(time.perf_counter() - start)
    return seconds


def measure(model: Path) -> dict[str, float]:
    """Parse-time percentiles (ms) and the process's peak RSS (MB) for one model, in this process."""
    from evaluation.labelled_data import BLIND_WRITTEN_FILE, load_real_world

    texts = [message.text for message in load_real_world(BLIND_WRITTEN_FILE)]
    started = time.perf_counter()
    seconds = asyncio.run(_parse_times(model, texts))
    summary = summarize(seconds, errors=0, seconds=time.perf_counter() - started)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
    return {
        "messages": summary.count,
        "p50_ms": summary.p50_ms,
        "p95_ms": summary.p95_ms,
        "p99_ms": summary.p99_ms,
        "mean_ms": summary.mean_ms,
        "peak_rss_mb": peak_mb,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("models", nargs="*", type=Path, default=[DEFAULT_MODEL])
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # child process: one model, JSON out
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.models[0])))
        return 0
    missing = [str(model) for model in args.models if not model.exists()]
    if missing:
        print(f"No model at {', '.join(missing)}: run `make train`.", file=sys.stderr)
        return 1
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    print("| model | messages | p50 | p95 | p99 | mean | peak RSS |\n|---|---|---|---|---|---|---|")
    for model in args.models:
        child = subprocess.run(
            [sys.executable, "-m", "bench.nlu_parse_time", "--one", str(model)],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"| {model} | {figures['messages']:.0f} | {figures['p50_ms']:.1f} ms | {figures['p95_ms']:.1f} ms "
            f"| {figures['p99_ms']:.1f} ms | {figures['mean_ms']:.1f} ms | {figures['peak_rss_mb']:.0f} MB |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
