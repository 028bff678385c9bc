"""Start and stop either bot (action server + Rasa server) and time how long it takes to answer.

Both bots are started the way ``make run`` starts ours (service/launcher.py): the action server first, its
/health polled, then ``rasa run`` with the REST channel and the HTTP API behind a token. Ready time runs from
spawning the first process until the REST webhook answers a real message with a real reply (not /status,
which answers before the model's first prediction has run), polled every 100 ms.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.paths import BUILD_DIR, PYTHON
from bench.procfs import Memory, tree_memory
from service import launcher
from service.launcher import SQLITE_TRACKER_STORE

READY_TIMEOUT_S = 180.0
POLL_INTERVAL_S = 0.1
READY_PROBE = "hi"  # both bots answer a greeting; ours through the action server (the topic menu)


def model_description(model: Path) -> str:
    """When the served model was trained and its prediction components, from the archive's metadata.json.

    The figures belong to that model, not to whatever config.yml says now; a reader comparing runs needs it.
    """
    try:
        with tarfile.open(model) as archive:
            member = next(m for m in archive.getmembers() if m.name.lstrip("/") == "metadata.json")
            metadata = json.load(archive.extractfile(member))  # type: ignore[arg-type]
    except (OSError, StopIteration, tarfile.TarError, json.JSONDecodeError):
        return f"{model.name} (metadata unreadable)"
    names: list[str] = []
    for node in metadata["predict_schema"]["nodes"].values():
        name = node["uses"].rsplit(".", 1)[-1]
        if name not in names and not name.endswith(("Provider", "Converter", "Ensemble", "Handler")):
            names.append(name)
    return f"{model.name} trained {metadata['trained_at'][:16]} ({', '.join(names)})"


@dataclass
class BotSpec:
    """How to start one bot: its folder, model, the two commands and their environment."""

    name: str
    project_dir: Path
    action_command: list[str]
    rasa_command: list[str]
    env: dict[str, str]
    action_url: str
    rasa_url: str
    description: str

    @property
    def webhook_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"


def experiment_env() -> dict[str, str]:
    """``BENCH_ENV="NAME=value ..."``: settings for our servers only, for experiments such as another tracker store."""
    return dict(item.split("=", 1) for item in os.environ.get("BENCH_ENV", "").split())


def our_bot(model: Path, extra_env: dict[str, str] | None = None) -> BotSpec:
    """This assistant as ``make run`` starts it, on free ports and a fresh SQLite tracker store.

    The tracker database is a new file per run so every run starts from the same (empty) state and the
    developer's var/trackers.db is left alone. ``extra_env`` lets an experiment change the tracker store or
    log level from outside, exactly as a deployment would.
    """
    rasa_port, action_port = launcher.free_port(), launcher.free_port()
    database = BUILD_DIR / "run" / "trackers.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    for stale in database.parent.glob("trackers.db*"):
        stale.unlink()
    action_url = f"http://127.0.0.1:{action_port}"
    overrides = {
        "TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE,
        "TRACKER_STORE_URL": f"sqlite:///{database}",
        **(extra_env or {}),
    }
    env = launcher.rasa_environment(launcher.server_environment(overrides, action_url), secrets.token_urlsafe(16))
    rasa_command = launcher.rasa_command(model, rasa_port, None)
    return BotSpec(
        name="ours",
        project_dir=launcher.PROJECT_ROOT,
        action_command=launcher.action_command(action_port),
        rasa_command=rasa_command,
        env=env,
        action_url=action_url,
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        description=f"this assistant, tracker store {env['TRACKER_STORE_TYPE']} {env['TRACKER_STORE_URL']}; "
        f"model {model_description(model)}",
    )


def init_bot(project_dir: Path, model: Path) -> BotSpec:
    """The ``rasa init`` bot with its own credentials.yml and endpoints.yml (in-memory tracker store).

    Its action server runs its own (empty) actions module, as ``rasa run actions`` would; its endpoints.yml
    names no action endpoint, so Rasa never calls it, but it is part of the deployment whose memory counts.
    """
    rasa_port, action_port = launcher.free_port(), launcher.free_port()
    env = {**os.environ, **launcher.DEFAULT_ENVIRONMENT, "PYTHONPATH": str(project_dir)}
    for variable in ("TRACKER_STORE_TYPE", "TRACKER_STORE_URL"):
        env.pop(variable, None)
    rasa_command = [
        PYTHON, "-m", "rasa", "run", "--model", str(model), "--port", str(rasa_port), "--interface", "127.0.0.1",
        "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
        "--enable-api", f"--auth-token={secrets.token_urlsafe(16)}",
    ]  # fmt: skip
    return BotSpec(
        name="rasa-init",
        project_dir=project_dir,
        action_command=[PYTHON, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
        rasa_command=rasa_command,
        env=env,
        action_url=f"http://127.0.0.1:{action_port}",
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        description="`rasa init --no-prompt` bot, its own endpoints.yml (in-memory tracker store); "
        f"model {model_description(model)}",
    )


@dataclass
class RunningBot:
    spec: BotSpec
    action: subprocess.Popen
    rasa: subprocess.Popen
    ready_s: float = 0.0
    rasa_ready_s: float = 0.0
    action_ready_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def memory(self) -> dict[str, Memory]:
        return {"rasa": tree_memory(self.rasa.pid), "action": tree_memory(self.action.pid)}


def _answers(webhook_url: str) -> bool:
    body = json.dumps({"sender": f"bench-ready-{secrets.token_hex(4)}", "message": READY_PROBE}).encode()
    request = urllib.request.Request(webhook_url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status == 200 and bool(json.loads(reply.read()))
    except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
        return False


@contextlib.contextmanager
def running(spec: BotSpec, log_dir: Path) -> Iterator[RunningBot]:
    """Both servers of ``spec`` up and answering for the ``with`` block; stopped (SIGTERM, then KILL) after."""
    log_dir.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen] = []

    def spawn(role: str, command: list[str]) -> tuple[subprocess.Popen, Path]:
        log = log_dir / f"{spec.name}-{role}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                command, cwd=spec.project_dir, env=spec.env, stdout=output, stderr=subprocess.STDOUT
            )
        processes.append(process)
        return process, log

    try:
        started = time.perf_counter()
        action, action_log = spawn("action-server", spec.action_command)
        action_ready = launcher.wait_until(
            lambda: launcher.url_answers(f"{spec.action_url}/health"),
            action,
            f"action server (log: {action_log})",
            READY_TIMEOUT_S,
            POLL_INTERVAL_S,
        )
        rasa, rasa_log = spawn("rasa-server", spec.rasa_command)
        rasa_ready = launcher.wait_until(
            lambda: _answers(spec.webhook_url), rasa, f"Rasa server (log: {rasa_log})", READY_TIMEOUT_S, POLL_INTERVAL_S
        )
        bot = RunningBot(spec, action, rasa, time.perf_counter() - started, rasa_ready, action_ready)
        yield bot
    finally:
        for process in reversed(processes):
            launcher.stop(process)


def remove_run_state() -> None:
    """Delete the tracker database of the last run (it holds only the benchmark's own conversations)."""
    shutil.rmtree(BUILD_DIR / "run", ignore_errors=True)
