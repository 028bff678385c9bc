"""Start the action server and the Rasa server together, and wait until both answer.

Used by ``make run`` and ``make shell`` and by the end-to-end tests, so the way
the assistant is started in tests is the way it is started for real.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from channels.provider_defaults import DEFAULT_TIMEOUT_S, TELEGRAM, TWILIO
from channels.turn_slots import DEFAULT_MAX_CONCURRENT_TURNS
from rasa_extensions.retention import BadRetentionError, retention_seconds
from service.rasa_server import AUTH_TOKEN_VARIABLE
from service.supervisor import Server, StartupError, Supervisor, stop_process

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PROJECT_ROOT / "models" / "microneedling-faq.tar.gz"
TOKEN_FILE = PROJECT_ROOT / "var" / "rasa_auth_token"
READY_TIMEOUT_S = 180.0
SQLITE_TRACKER_STORE = "rasa_extensions.sqlite_tracker_store.SQLiteTrackerStore"

# Defaults for the variables endpoints.yml reads; anything already set wins, so
# a deployment points the tracker store at PostgreSQL or Redis from the outside.
DEFAULT_ENVIRONMENT = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SANIC_HOST": "127.0.0.1",
    # Rasa's listen backlog (rasa.constants.ENV_SANIC_BACKLOG; Rasa's default 100). 200 visitors arriving within
    # two seconds overflowed 100 (the kernel's ListenOverflows counter rose by thousands in make soak), and
    # those visitors waited for TCP's SYN retransmissions (1, 3, 7, 15, 31 s) before being heard at all.
    "SANIC_BACKLOG": "1024",
    # Turns a Rasa server answers at once (channels/turn_slots.py); more messages wait their turn in order. With
    # every message answered at once, 200 visitors asking back to back made new visitors wait up to 52 s.
    "RASA_MAX_CONCURRENT_TURNS": str(DEFAULT_MAX_CONCURRENT_TURNS),
    # Rasa's --response-timeout (its default is 3600 s). Sanic reads a request's body under this limit, so a
    # body that stops half-way held its connection for an hour; nothing legitimate takes a minute.
    "RASA_RESPONSE_TIMEOUT_S": "60",
    # One BLAS thread: OpenBLAS's threads fought over 2 cores for small matrix
    # products (the NumPy encoder's: 22.9 -> 9.6 ms per message; docs/performance.md).
    # The served encoder is ONNX Runtime, pinned to one thread itself.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    # Rasa's SQL schema in a SQLite file, read and written without SQLAlchemy's
    # ORM (rasa_extensions/sqlite_tracker_store.py): ~0.4 ms per message instead of ~7.
    "TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE,
    "TRACKER_STORE_URL": f"sqlite:///{PROJECT_ROOT / 'var' / 'trackers.db'}",
    "TRACKER_STORE_PORT": "6379",
    "TRACKER_STORE_DB": "0",
    "TRACKER_STORE_PASSWORD": "",
    # An FAQ conversation is needed while it lasts; its messages may describe
    # someone's health. The default store deletes conversations idle this long.
    "TRACKER_RETENTION_DAYS": "30",
    # Messaging channels (credentials.yml). Rasa refuses an unset ${VAR}, so every
    # one has a default; an empty token leaves that channel disabled (503).
    "TELEGRAM_BOT_TOKEN": "",
    "TELEGRAM_WEBHOOK_SECRET": "",
    "TELEGRAM_API_BASE_URL": TELEGRAM.api_base_url,
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_WHATSAPP_NUMBER": "",
    "TWILIO_WEBHOOK_URL": "",
    "TWILIO_API_BASE_URL": TWILIO.api_base_url,
    "CHANNEL_API_TIMEOUT_S": f"{DEFAULT_TIMEOUT_S:g}",
    # Log lines as text (default) or one JSON object per line (observability/json_logs.py), both servers.
    "LOG_FORMAT": "text",
    # Origins allowed to use the server from a browser; running_stack sets it from its ``cors`` argument, so the
    # socket.io channel (credentials.yml) and Rasa's --cors (the REST webhook) always name the same ones.
    "RASA_CORS_ORIGINS": "",
}


def server_environment(overrides: dict[str, str] | None, action_url: str) -> dict[str, str]:
    """Process environment for both servers: defaults < os.environ < overrides, checked before any server starts."""
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    (PROJECT_ROOT / "var").chmod(0o700)  # the token and the conversations: nobody else's business
    env = {**DEFAULT_ENVIRONMENT, **os.environ, **(overrides or {})}
    env["ACTION_SERVER_URL"] = f"{action_url}/webhook"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    if env["TRACKER_STORE_TYPE"] == SQLITE_TRACKER_STORE:
        try:
            retention_seconds(env["TRACKER_RETENTION_DAYS"])
        except BadRetentionError as error:
            raise StartupError(str(error)) from None
    return env


@dataclass
class Stack:
    """The running servers and how to reach them."""

    rasa_url: str
    action_url: str
    auth_token: str
    servers: list[Server]

    @property
    def processes(self) -> list[subprocess.Popen]:
        """The servers' current processes (a restarted server has a new one)."""
        return [server.process for server in self.servers if server.process is not None]

    @property
    def webhook_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def widget_script_url(self) -> str:
        return f"{self.rasa_url}/webhooks/widget/widget.js"

    @property
    def widget_demo_url(self) -> str:
        return f"{self.rasa_url}/webhooks/widget/demo"


def auth_token() -> str:
    """$RASA_AUTH_TOKEN, else a random token kept in var/ so it survives restarts."""
    token = os.environ.get("RASA_AUTH_TOKEN")
    if token:
        return token
    if not TOKEN_FILE.exists():
        TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
        TOKEN_FILE.write_text(secrets.token_urlsafe(32))
        TOKEN_FILE.chmod(0o600)
    return TOKEN_FILE.read_text().strip()


def cors_origins(configured: str | None) -> str | None:
    """Origins allowed to call the server from a browser (the chat widget on a clinic's site): the configured ones.

    Nothing by default, wherever the server listens: Rasa answers CORS with
    credentials allowed, so ``*`` would let any site drive a visitor's
    conversation, and a production server behind a proxy listens on 127.0.0.1
    too. The demo page is served by the assistant itself and needs no CORS.
    """
    if configured and configured.strip():
        return " ".join(configured.split())
    return None


def action_command(port: int) -> list[str]:
    """The action server's command line (``python -m actions``, which checks the knowledge file first)."""
    return [sys.executable, "-m", "actions", "--port", str(port)]


def rasa_command(model: Path, port: int, cors: str | None, response_timeout_s: str = "60") -> list[str]:
    """The ``rasa run`` command line: REST channel on, HTTP API behind the token.

    The token is not on it (``ps`` shows every user the command line): the
    server reads it from ``RASA_AUTH_TOKEN`` in its environment (rasa_environment).
    """
    command = [
        sys.executable, "-m", "service.rasa_server", "run",
        "--model", str(model),
        "--port", str(port),
        "--interface", os.environ.get("RASA_INTERFACE", "127.0.0.1"),
        "--credentials", str(PROJECT_ROOT / "credentials.yml"),
        "--endpoints", str(PROJECT_ROOT / "endpoints.yml"),
        "--enable-api",
        "--response-timeout", response_timeout_s,
    ]  # fmt: skip
    if cors:
        command += ["--cors", *cors.split()]
    return command


def rasa_environment(env: dict[str, str], token: str) -> dict[str, str]:
    """The Rasa server's environment: ``env`` plus the API token, which only this server gets."""
    return {**env, AUTH_TOKEN_VARIABLE: token}


def free_port() -> int:
    """A port nobody listens on right now, for servers started by tests and the benchmark."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def url_answers(url: str) -> bool:
    """Whether ``url`` answers 200 right now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def wait_until(
    probe: Callable[[], bool], process: subprocess.Popen, name: str, timeout: float, interval: float = 0.25
) -> float:
    """Call ``probe`` until it returns True; seconds it took. Fails fast if the process died."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise StartupError(f"{name} exited with code {process.returncode} before it was ready")
        if probe():
            return time.perf_counter() - started
        time.sleep(interval)
    raise StartupError(f"{name} did not answer within {timeout:.0f} s")


def wait_until_ready(url: str, process: subprocess.Popen, name: str, timeout: float) -> float:
    """Poll ``url`` until it answers 200; seconds it took."""
    return wait_until(lambda: url_answers(url), process, name, timeout)


@contextlib.contextmanager
def running_stack(
    model: Path = DEFAULT_MODEL,
    rasa_port: int = 5005,
    action_port: int = 5055,
    env: dict[str, str] | None = None,
    log_dir: Path | None = None,
    cors: str | None = None,
) -> Iterator[Stack]:
    """Both servers running on 127.0.0.1 for the duration of the ``with`` block; both stopped after it."""
    token = auth_token()
    action_url = f"http://127.0.0.1:{action_port}"
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    process_env = server_environment(env, action_url)
    process_env["RASA_CORS_ORIGINS"] = cors or ""
    actions = Server(
        "action server", action_command(action_port), process_env, PROJECT_ROOT, action_port,
        lambda: url_answers(f"{action_url}/health"), "ACTION_PORT",
        log_dir / "action-server.log" if log_dir else None,
    )  # fmt: skip
    rasa = Server(
        "Rasa server", rasa_command(model, rasa_port, cors, process_env["RASA_RESPONSE_TIMEOUT_S"]),
        rasa_environment(process_env, token), PROJECT_ROOT,
        rasa_port, lambda: url_answers(f"{rasa_url}/status?token={token}"), "RASA_PORT",
        log_dir / "rasa-server.log" if log_dir else None,
    )  # fmt: skip
    servers = [actions, rasa]
    for server in servers:
        if server.log_path is not None:
            server.log_path.write_text("")
    try:
        actions.check_port("127.0.0.1")
        rasa.check_port(process_env.get("RASA_INTERFACE", "127.0.0.1"))
        actions.spawn()
        actions.wait_ready(READY_TIMEOUT_S)
        rasa.spawn()
        rasa.wait_ready(READY_TIMEOUT_S)
        yield Stack(rasa_url, action_url, token, servers)
    finally:
        for server in reversed(servers):
            server.stop()


# One definition of stopping a server process, shared with the supervisor.
stop = stop_process


def run_shell(model: Path, action_port: int) -> int:
    """Start the action server, then ``rasa shell`` in the foreground."""
    action_url = f"http://127.0.0.1:{action_port}"
    actions = None
    try:
        env = server_environment(None, action_url)
        actions = subprocess.Popen(action_command(action_port), cwd=PROJECT_ROOT, env=env)
        wait_until_ready(f"{action_url}/health", actions, "action server", READY_TIMEOUT_S)
        shell = [sys.executable, "-m", "service.rasa_server", "shell", "--model", str(model)]
        shell += ["--endpoints", str(PROJECT_ROOT / "endpoints.yml")]
        return subprocess.call(shell, cwd=PROJECT_ROOT, env=env)
    except StartupError as error:
        print(f"Could not start the assistant: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if actions is not None:
            stop(actions)


def channel_state(stack: Stack, channel: str) -> str:
    """Whether a messaging channel is on, as its health route reports it."""
    try:
        with urllib.request.urlopen(f"{stack.rasa_url}/webhooks/{channel}/", timeout=5) as reply:
            enabled = json.loads(reply.read()).get("enabled")
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return "unknown"
    return "on" if enabled else "off: set its variables, see docs/channels.md"


def print_banner(stack: Stack) -> None:
    print(
        f"""
The microneedling FAQ assistant is running.

  Chat over REST:  curl -s -X POST {stack.webhook_url} \\
                     -H 'Content-Type: application/json' \\
                     -d '{{"sender": "me", "message": "Does microneedling hurt?"}}'
  Terminal chat:   make shell   (in another terminal, stop this one first)
  HTTP API:        {stack.rasa_url}/status?token=<token in {TOKEN_FILE.relative_to(PROJECT_ROOT)}>
  Action server:   {stack.action_url}/health
  Website widget:  {stack.widget_demo_url}   (demo clinic page)
                   embed: <script src="{stack.widget_script_url}" defer></script>
  rasa-webchat:    socketUrl {stack.rasa_url}, socketPath /socket.io/   (docs/widget.md)
  Telegram:        {stack.rasa_url}/webhooks/telegram/webhook   ({channel_state(stack, "telegram")})
  WhatsApp:        {stack.rasa_url}/webhooks/whatsapp/webhook   ({channel_state(stack, "whatsapp")})

Press Ctrl+C to stop.""",
        flush=True,
    )


class StopRequested(Exception):
    """SIGTERM or SIGINT arrived: stop both servers and exit."""


def _request_stop(signum: int, frame: object) -> None:
    # A second signal must not interrupt the clean-up half-way and leave a server behind.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise StopRequested(signal.Signals(signum).name)


def log_line(text: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} launcher: {text}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--action-port", type=int, default=int(os.environ.get("ACTION_PORT", 5055)))
    parser.add_argument("--shell", action="store_true", help="chat in this terminal (rasa shell)")
    args = parser.parse_args()
    if args.shell:
        return run_shell(args.model, args.action_port)
    # systemd, Docker and Kubernetes stop a service with SIGTERM; a terminal with SIGINT.
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    try:
        cors = cors_origins(os.environ.get("RASA_CORS_ORIGINS"))
        with running_stack(args.model, args.port, args.action_port, cors=cors) as stack:
            print_banner(stack)
            Supervisor(stack.servers, READY_TIMEOUT_S, log_line).watch()
    except StartupError as error:
        print(f"Could not start the assistant: {error}", file=sys.stderr)
        return 1
    except (StopRequested, KeyboardInterrupt) as stop:
        log_line(f"stopped ({stop or 'SIGINT'}); both servers are down")
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
