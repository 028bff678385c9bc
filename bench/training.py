"""Time a full ``rasa train --force`` of a project into a throw-away output folder.

Full means ``--force``: Rasa's fingerprint cache would otherwise skip the components whose inputs did not
change and the figure would say nothing about a fresh training. The model goes to a temporary folder so the
project's own ``models/microneedling-faq.tar.gz`` is never overwritten.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.paths import PYTHON

QUIET_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


class TrainingError(RuntimeError):
    """``rasa train`` failed; the message names the log to read."""


@dataclass(frozen=True)
class TrainingResult:
    seconds: float
    model: Path | None


def train(
    project_dir: Path,
    log_file: Path,
    config: str = "config.yml",
    out_dir: Path | None = None,
    model_name: str = "model",
    extra_env: dict[str, str] | None = None,
) -> TrainingResult:
    """Train ``project_dir`` from scratch; wall-clock seconds of the whole ``rasa train`` process.

    The whole process is timed (interpreter start, imports, data loading, every component), because that is
    what someone waiting for ``make train`` waits for. With ``out_dir`` None the model is deleted afterwards.
    """
    env = {**os.environ, **QUIET_ENV, "PYTHONPATH": str(project_dir), **(extra_env or {})}
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-train-") as scratch:
        target = out_dir or Path(scratch)
        command = [PYTHON, "-m", "rasa", "train", "--config", config, "--domain", "domain.yml", "--data", "data"]
        command += ["--out", str(target), "--fixed-model-name", model_name, "--force"]
        with log_file.open("w") as log:
            started = time.perf_counter()
            code = subprocess.call(command, cwd=project_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
            seconds = time.perf_counter() - started
        if code != 0:
            raise TrainingError(f"rasa train in {project_dir} exited with {code}; see {log_file}")
        model = target / f"{model_name}.tar.gz"
        return TrainingResult(seconds, model if out_dir else None)


_HOOK = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) .*rasa\.engine\.training\.hooks.* - (Starting|Finished) .*'(.+)'"
)


def component_seconds(log_text: str) -> dict[str, float]:
    """Seconds each component spent in ``train`` according to Rasa's own training log (1 s resolution).

    What is not in here (interpreter start, imports, reading data, featurising the training data, packing the
    model) is the total minus the sum; the report shows both so the slow part of a training is visible.
    """
    totals: dict[str, float] = {}
    started: dict[str, datetime] = {}
    for line in log_text.splitlines():
        match = _HOOK.match(line)
        if not match:
            continue
        stamp, event, name = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S"), match[2], match[3]
        if event == "Starting":
            started[name] = stamp
        elif name in started:
            totals[name] = totals.get(name, 0.0) + (stamp - started.pop(name)).total_seconds()
    return totals
