"""Prometheus metrics of the Rasa server at ``GET /metrics``.

Where each count comes from, and what it costs per message (a few counter
increments and one histogram observation, no I/O, no tracker read):

* ``Agent.handle_message`` (Rasa's documented Python entry point for a message,
  which every input channel calls) is wrapped to time the whole turn, lock wait
  included, by channel, and to count turns that failed (e.g. the tracker could not
  be stored).
* ``MessageProcessor._run_action`` is wrapped to note, for the running turn, the
  intent NLU gave and each action the policies chose: fallbacks, out-of-scope,
  escalations and clarifications are those intents and actions.
* ``RemoteAction.run`` is wrapped to count calls to the action server that
  failed (unreachable, timed out, an error or a reply Rasa rejected); Rasa
  itself swallows these ("the actions events are lost") and goes on.
* ``rasa.core.run.configure_app`` (where ``rasa run`` builds its Sanic app, as
  rasa_extensions/header_token.py uses it) gets the ``/metrics`` route and a
  response middleware counting HTTP replies by route and status (429, 503 …).

An event broker (Rasa's public hook for events) was not used: Rasa's
``TrackerStore.stream_events`` reads the whole stored conversation back before
publishing each turn, a database read per message.

Label values are bounded: intents outside the domain (a hand-typed ``/anything``
payload) are counted as ``other``, routes outside ``/webhooks/<channel>/`` as ``api``.
"""

from __future__ import annotations

import contextvars
import functools
import time
from dataclasses import dataclass, field
from typing import Any

import rasa.core.run
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor
from sanic import Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, raw

from observability import json_logs

# Seconds. A turn is ~20-60 ms on an idle server (docs/performance.md); the top buckets catch a stuck action server.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_ACTION = "action_out_of_scope"
CLARIFY_ACTION = "action_clarify"
ESCALATION_ACTION = "action_escalate_complication"
LISTEN_ACTION = "action_listen"
SESSION_START_ACTION = "action_session_start"
_INSTALLED = "_metrics_installed"

MESSAGES = Counter("rasa_messages", "Messages handled, by input channel", ["channel"])
MESSAGE_SECONDS = Histogram(
    "rasa_message_duration_seconds",
    "Time from a message reaching Rasa to its replies being ready (lock wait, NLU, actions, tracker save)",
    ["channel"],
    buckets=LATENCY_BUCKETS,
)
MESSAGE_FAILURES = Counter(
    "rasa_message_failures", "Messages whose handling raised (e.g. the tracker was not stored)", ["channel"]
)
INTENTS = Counter("rasa_intents", "Intents NLU gave to messages (nlu_fallback included)", ["intent"])
ACTIONS = Counter("rasa_actions", "Actions the policies ran (action_listen excluded)", ["action"])
FALLBACKS = Counter(
    "rasa_fallbacks",
    "Messages not understood: kind=nlu_fallback (low confidence, close intents, unusable input), "
    "kind=clarify (the assistant asked 'did you mean…')",
    ["kind"],
)
OUT_OF_SCOPE = Counter("rasa_out_of_scope", "Messages answered with the out-of-scope reply")
ESCALATIONS = Counter(
    "rasa_escalations", "Messages NLU read as a reported complication (escalation advice sent by action server)"
)
ACTION_ERRORS = Counter(
    "rasa_action_errors", "Custom action calls that failed (action server down, error or invalid reply)", ["action"]
)
HTTP_RESPONSES = Counter("rasa_http_responses", "HTTP replies by route and status", ["route", "status"])


@dataclass
class Turn:
    """What happened while one message was handled, noted by the wrapped processor."""

    intent: str | None = None
    actions: list[str] = field(default_factory=list)


_TURN: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("rasa_metrics_turn", default=None)


def known_intent(name: Any, domain_intents: Any) -> str:
    """The intent as a label: its name if the domain (or Rasa's fallback) has it, else ``other``."""
    if name == FALLBACK_INTENT or (isinstance(name, str) and name in domain_intents):
        return name
    return "other"


def record_turn(channel: str | None, seconds: float, turn: Turn, handled: bool) -> None:
    """Count one handled message."""
    channel = channel or "unknown"
    MESSAGES.labels(channel).inc()
    MESSAGE_SECONDS.labels(channel).observe(seconds)
    if not handled:
        MESSAGE_FAILURES.labels(channel).inc()
    if turn.intent is not None:
        INTENTS.labels(turn.intent).inc()
        if turn.intent == FALLBACK_INTENT:
            FALLBACKS.labels("nlu_fallback").inc()
    for action in turn.actions:
        ACTIONS.labels(action).inc()
        if action == CLARIFY_ACTION:
            FALLBACKS.labels("clarify").inc()
        elif action == OUT_OF_SCOPE_ACTION:
            OUT_OF_SCOPE.inc()
        elif action == ESCALATION_ACTION:
            ESCALATIONS.inc()


def route_label(path: str) -> str:
    """``/webhooks/rest/webhook`` -> ``rest``; ``/metrics`` -> ``metrics``; anything else -> ``api``."""
    if path.startswith("/webhooks/"):
        return path.split("/", 3)[2] or "api"
    return "metrics" if path == "/metrics" else "api"


async def count_response(request: Request, response: BaseHTTPResponse) -> None:
    if response is not None:
        HTTP_RESPONSES.labels(route_label(request.path), str(response.status)).inc()


async def metrics_endpoint(request: Request) -> HTTPResponse:
    """Prometheus text format of every metric in the default registry (process memory and CPU included)."""
    return raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


def add_to_app(app: Sanic) -> None:
    """The ``/metrics`` route and the HTTP reply counter; JSON logs when ``LOG_FORMAT=json``."""
    app.add_route(metrics_endpoint, "/metrics", methods=["GET"], name="prometheus_metrics")
    app.register_middleware(count_response, "response")
    if json_logs.wanted():
        app.register_listener(json_logs.json_logs_listener, "before_server_start")


def install() -> None:
    """Wrap the four places listed in the module's docstring (idempotent)."""
    if getattr(rasa.core.run.configure_app, _INSTALLED, False):
        return
    configure_app = rasa.core.run.configure_app
    handle_message = Agent.handle_message
    run_action = MessageProcessor._run_action
    remote_run = RemoteAction.run

    @functools.wraps(configure_app)
    def configure_app_with_metrics(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        add_to_app(app)
        return app

    @functools.wraps(handle_message)
    async def timed_handle_message(self: Agent, message: Any) -> Any:
        turn = Turn()
        token = _TURN.set(turn)
        started = time.perf_counter()
        handled = False
        try:
            result = await handle_message(self, message)
            handled = True
            return result
        finally:
            _TURN.reset(token)
            record_turn(getattr(message, "input_channel", None), time.perf_counter() - started, turn, handled)

    @functools.wraps(run_action)
    async def noted_run_action(self: MessageProcessor, action: Any, tracker: Any, *args: Any, **kwargs: Any) -> Any:
        turn = _TURN.get()
        if turn is not None:
            name = action.name()
            if name != SESSION_START_ACTION:  # runs before the message is on the tracker
                turn.intent = known_intent(tracker.latest_message.intent.get("name"), self.domain.intents)
            if name != LISTEN_ACTION:
                turn.actions.append(name)
        return await run_action(self, action, tracker, *args, **kwargs)

    @functools.wraps(remote_run)
    async def counted_remote_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        try:
            return await remote_run(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise  # a form rejecting the input is not an error
        except Exception:
            ACTION_ERRORS.labels(self.name()).inc()
            raise

    setattr(configure_app_with_metrics, _INSTALLED, True)
    rasa.core.run.configure_app = configure_app_with_metrics
    Agent.handle_message = timed_handle_message
    MessageProcessor._run_action = noted_run_action
    RemoteAction.run = counted_remote_run
