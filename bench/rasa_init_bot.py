"""The reference bot: the project ``rasa init --no-prompt`` creates, trained once per Rasa version.

The files are made by the same function ``rasa init`` calls (``rasa.cli.scaffold.create_initial_project``), so
the bot is exactly the scaffold: its default config (empty pipeline and policies, so Rasa's suggested defaults:
DIET, ResponseSelector, TED, UnexpecTED, Memoization, Rule), domain, data and (empty) actions. ``rasa init``
itself would also train straight away; calling the scaffold step and then ``rasa train`` lets that training be
timed exactly like ours. The model and its training time are cached under the Rasa version, so reruns skip a
training that cannot have changed unless ``BENCH_RETRAIN_INIT=1``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import rasa
from rasa.cli.scaffold import create_initial_project

from bench.paths import BUILD_DIR, LOG_DIR
from bench.training import train

INIT_BOT_DIR = BUILD_DIR / "rasa-init-bot"


@dataclass(frozen=True)
class InitBot:
    project_dir: Path
    model: Path
    training_seconds: float
    trained_at: str
    cached: bool


def _model_name() -> str:
    """Keyed on the Rasa version; no dots, or ``rasa train`` would take ".21" for a file suffix and drop it."""
    return "rasa-init-" + rasa.__version__.replace(".", "_")


def _cache_file(project_dir: Path) -> Path:
    return project_dir / "models" / f"{_model_name()}.json"


def ensure_init_bot(project_dir: Path = INIT_BOT_DIR, retrain: bool = False) -> InitBot:
    """Scaffold (if missing) and train (if not cached for this Rasa version) the ``rasa init`` bot."""
    if not (project_dir / "domain.yml").exists():
        project_dir.mkdir(parents=True, exist_ok=True)
        create_initial_project(str(project_dir))
    cache = _cache_file(project_dir)
    model = project_dir / "models" / f"{_model_name()}.tar.gz"
    if cache.exists() and model.exists() and not retrain:
        record = json.loads(cache.read_text())
        return InitBot(project_dir, model, record["training_seconds"], record["trained_at"], cached=True)
    result = train(project_dir, LOG_DIR / "train-rasa-init.log", out_dir=model.parent, model_name=_model_name())
    trained_at = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    cache.write_text(
        json.dumps({"training_seconds": result.seconds, "trained_at": trained_at, "rasa": rasa.__version__})
    )
    return InitBot(project_dir, model, result.seconds, trained_at, cached=False)


if __name__ == "__main__":
    bot = ensure_init_bot()
    print(f"rasa init bot: {bot.model} trained in {bot.training_seconds:.1f} s ({'cached' if bot.cached else 'now'})")
