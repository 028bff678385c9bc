"""``python -m bench.profile`` (``make bench-profile``): where a message's time goes, in CPU ms per message.

Starts one bot, attaches py-spy (requirements-bench.txt) to the Rasa server and the action server, drives the
concurrency-1 workload, and sorts every sample into a stage by the deepest stage-defining frame on its stack
(a sample inside SQLAlchemy under tracker_store.py counts as the tracker store; one in TensorFlow under DIET
as DIET). py-spy samples only threads that are running, so samples / rate is CPU time. At concurrency 1 the
Rasa server is on the CPU for almost the whole latency, so the breakdown also explains the latency.

Writes results/profile.md and the raw stacks (results/bench-logs/profile-*.txt, flamegraph "raw" format).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bench.paths import BUILD_DIR, LOG_DIR, PROJECT_ROOT, PYTHON, RESULTS_DIR
from bench.procfs import tree_cpu_s
from bench.servers import experiment_env, our_bot, running
from bench.stats import summarize
from service.launcher import DEFAULT_MODEL

PY_SPY = str(Path(PYTHON).parent / "py-spy")
RATE_HZ = 250

# (stage, substring of a frame "function (file:line)"); the deepest matching frame of a sample names its stage.
IDLE = "event loop waiting (not CPU)"
RASA_STAGES: tuple[tuple[str, str], ...] = (
    ("HTTP server (Sanic) and REST channel", "sanic/"),
    ("HTTP server (Sanic) and REST channel", "channels/guarded_rest.py"),
    ("HTTP server (Sanic) and REST channel", "rasa/core/channels/"),
    ("message processor (other)", "rasa/core/processor.py"),
    ("message processor (other)", "rasa/core/agent.py"),
    ("graph runner (dask) overhead", "rasa/engine/"),
    ("graph runner (dask) overhead", "dask/"),
    ("NLU: SpacyNLP + tokenizer", "rasa/nlu/utils/spacy_utils.py"),
    ("NLU: SpacyNLP + tokenizer", "rasa/nlu/tokenizers/"),
    ("NLU: sentence embedding (MiniLM, sentence_encoder/)", "sentence_encoder/encoder"),
    ("NLU: sentence embedding (MiniLM, sentence_encoder/)", "sentence_encoder/quantized_layers"),
    ("NLU: sentence embedding (MiniLM, sentence_encoder/)", "onnxruntime/"),
    ("tracker store (read + write the conversation)", "rasa_extensions/sqlite_tracker_store.py"),
    ("NLU: the project's other components (nlu_components/, spacy_pipeline/)", "nlu_components/"),
    ("NLU: the project's other components (nlu_components/, spacy_pipeline/)", "spacy_pipeline/"),
    ("NLU: featurizers (lexical, count vectors)", "rasa/nlu/featurizers/"),
    ("NLU: DIET classifier (TensorFlow)", "rasa/nlu/classifiers/diet_classifier.py"),
    ("NLU: fallback classifier", "rasa/nlu/classifiers/fallback_classifier.py"),
    ("NLU: other components", "rasa/nlu/extractors/"),
    ("NLU: other components", "rasa/nlu/selectors/"),
    ("dialogue policies", "rasa/core/policies/"),
    ("tracker store (read + write the conversation)", "rasa/core/tracker_store.py"),
    ("lock store", "rasa/core/lock_store.py"),
    ("responses (NLG)", "rasa/core/nlg/"),
    ("action call: tracker + domain serialised for the action server", "_action_call_format"),
    ("action call: HTTP to the action server (aiohttp)", "rasa/utils/endpoints.py"),
    ("action call: response schema check (jsonschema)", "validate_action_result ("),
)
ACTION_STAGES: tuple[tuple[str, str], ...] = (
    ("HTTP server (Sanic)", "sanic/"),
    ("rasa-sdk endpoint + executor", "rasa_sdk/"),
    ("our actions (actions/)", "actions/"),
)


def classify(stack: str, stages: Iterable[tuple[str, str]]) -> str:
    """Stage of one sample: the stage of its deepest (most specific) matching frame, else "other".

    A sample whose innermost Python frame is Sanic's ``serve`` is the event loop inside uvloop's C code, waiting
    in epoll most of the time: py-spy cannot always tell that from running, so it is kept apart and not counted
    as CPU.
    """
    stages = tuple(stages)
    frames = stack.split(";")
    if frames[-1].startswith("serve (") and "sanic/server/runners.py" in frames[-1]:
        return IDLE
    for frame in reversed(frames):
        for stage, marker in stages:
            if marker in frame:
                return stage
    return "other (interpreter, event loop, libraries)"


def breakdown(raw_lines: Iterable[str], stages: Iterable[tuple[str, str]]) -> Counter[str]:
    """Samples per stage from py-spy's raw output ("frame;frame;... count" per line)."""
    stages = tuple(stages)
    counts: Counter[str] = Counter()
    for line in raw_lines:
        stack, _, number = line.rstrip().rpartition(" ")
        if stack and number.isdigit():
            counts[classify(stack, stages)] += int(number)
    return counts


def render(title: str, counts: Counter[str], cpu_ms_per_message: float) -> list[str]:
    """Each stage's share of the busy samples, applied to the CPU per message the kernel measured.

    Shares come from py-spy; the absolute figure from /proc (user + system time of the process over the run),
    because py-spy's own sample count is inflated when the CPU is contended.
    """
    busy = {stage: samples for stage, samples in counts.items() if stage != IDLE}
    total = sum(busy.values()) or 1
    lines = [f"### {title}", "", "| Stage | CPU ms per message | Share |", "|---|---|---|"]
    for stage, samples in sorted(busy.items(), key=lambda item: -item[1]):
        lines.append(f"| {stage} | {samples / total * cpu_ms_per_message:.2f} | {samples / total:.0%} |")
    lines.append(f"| **total (measured, /proc)** | **{cpu_ms_per_message:.2f}** | 100% |")
    return [*lines, ""]


def record(pid: int, out: Path) -> subprocess.Popen:
    """py-spy on a running process; stopped with SIGINT, when it writes ``out``."""
    command = [PY_SPY, "record", "--rate", str(RATE_HZ), "--format", "raw", "--output", str(out), "--pid", str(pid)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--label", default="ours", help="name of this profile (file names, heading)")
    args = parser.parse_args(argv)
    extra = experiment_env()
    spec = our_bot(DEFAULT_MODEL, extra)
    raw = {role: LOG_DIR / f"profile-{args.label}-{role}.txt" for role in ("rasa", "action")}
    load_out = BUILD_DIR / "run" / f"profile-load-{args.label}.json"
    with running(spec, LOG_DIR) as bot:
        warm = [PYTHON, "-m", "bench.load", "--url", spec.webhook_url, "--mix", "ours", "--warmup", "0"]
        subprocess.run([*warm, "--messages", "32", "--out", str(load_out)], check=True, cwd=PROJECT_ROOT)
        spies = [record(bot.rasa.pid, raw["rasa"]), record(bot.action.pid, raw["action"])]
        time.sleep(1.0)  # py-spy attaches
        load = [*warm, "--messages", str(args.messages), "--max-seconds", "120", "--out", str(load_out)]
        cpu_before = {"rasa": tree_cpu_s(bot.rasa.pid), "action": tree_cpu_s(bot.action.pid)}
        subprocess.run(load, check=True, cwd=PROJECT_ROOT)
        cpu_ms = {
            "rasa": (tree_cpu_s(bot.rasa.pid) - cpu_before["rasa"]) * 1000 / args.messages,
            "action": (tree_cpu_s(bot.action.pid) - cpu_before["action"]) * 1000 / args.messages,
        }
        for spy in spies:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
    result = json.loads(load_out.read_text())
    latency = summarize(result["latencies_s"], result["errors"], result["seconds"])
    sections = [
        f"## Profile: {args.label}, concurrency 1, {args.messages} messages, py-spy at {RATE_HZ} Hz",
        "",
        f"Extra settings: {extra or 'none'}. Latency under py-spy: p50 {latency.p50_ms:.1f} ms, "
        f"p95 {latency.p95_ms:.1f} ms ({latency.count} messages, {latency.errors} errors).",
        "",
        *render("Rasa server", breakdown(raw["rasa"].read_text().splitlines(), RASA_STAGES), cpu_ms["rasa"]),
        *render("Action server", breakdown(raw["action"].read_text().splitlines(), ACTION_STAGES), cpu_ms["action"]),
    ]
    out = RESULTS_DIR / f"profile-{args.label}.md"
    out.write_text("\n".join(sections))
    print(out.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
