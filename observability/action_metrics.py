"""Prometheus metrics of the action server at ``GET /metrics``.

Added through rasa-sdk's own plugin interface: ``register`` puts this module in
``rasa_sdk.plugin.plugin_manager()``, and rasa-sdk calls its
``attach_sanic_app_extensions`` hook with the app it built, before serving. The
hook adds the ``/metrics`` route and two middlewares around ``POST /webhook``:
the request's start time, then, from the reply rasa-sdk already serialised, the
action, its status and duration, the FAQ topic answered (the ``last_topic`` slot
it set) and whether escalation advice went out (the knowledge file's escalation
texts among the replies, from any action: the complication screen runs in every
answering action). The actions' own code is untouched.

Per call: one JSON parse of the reply (a few kB) and a few counter increments.
"""

from __future__ import annotations

import json
import sys
import time
import zlib
from typing import Any

import pluggy
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from sanic import Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse, raw

from observability import json_logs

hookimpl = pluggy.HookimplMarker("rasa_sdk")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
TOPIC_SLOT = "last_topic"
WEBHOOK_PATH = "/webhook"
_OUTCOMES = {200: "ok", 400: "rejected", 404: "not_found"}

ACTION_CALLS = Counter("action_server_calls", "Action calls, by action and outcome", ["action", "outcome"])
ACTION_SECONDS = Histogram(
    "action_server_call_duration_seconds", "Time to run an action call", ["action"], buckets=LATENCY_BUCKETS
)
ACTION_ERRORS = Counter(
    "action_server_errors", "Action calls that failed with a server error (an exception in the action)", ["action"]
)
TOPICS_ANSWERED = Counter("action_server_topics_answered", "FAQ answers sent, by knowledge-file topic", ["topic"])
ESCALATIONS = Counter(
    "action_server_escalations",
    "Escalation advice sent (a described complication), by urgency and the action that sent it",
    ["urgency", "action"],
)


def action_name(request: Request) -> str:
    """``next_action`` of an action call, ``unknown`` when the body is not a readable call."""
    try:
        if request.headers.get("Content-Encoding") == "deflate":
            call = json.loads(zlib.decompress(request.body))
        else:
            call = request.json
        return str(call.get("next_action") or "unknown")
    except Exception:
        return "unknown"


def escalation_texts() -> dict[str, str]:
    """The knowledge file's escalation messages -> their urgency (empty if the file cannot be read)."""
    try:
        from actions.knowledge_loader import default_knowledge_base

        knowledge = default_knowledge_base()
    except Exception:
        return {}
    return {knowledge.emergency_escalation: "emergency", knowledge.urgent_escalation: "urgent"}


def record_reply(action: str, reply: dict[str, Any]) -> None:
    """Topic answered and escalation, read from an action's reply (``events`` and ``responses``)."""
    for event in reply.get("events") or []:
        if event.get("event") == "slot" and event.get("name") == TOPIC_SLOT and event.get("value"):
            TOPICS_ANSWERED.labels(str(event["value"])).inc()
    texts = escalation_texts()
    for response in reply.get("responses") or []:
        urgency = texts.get(response.get("text"))
        if urgency is not None:
            ESCALATIONS.labels(urgency, action).inc()
            break  # the first escalation message says how urgent (emergency advice leads when severe)


def record_call(action: str, status: int, seconds: float, body: bytes | None) -> None:
    """Count one ``POST /webhook`` call and what its reply says."""
    if status == 404:
        action = "unknown"  # not an action of this server: keep arbitrary names out of the labels
    ACTION_CALLS.labels(action, _OUTCOMES.get(status, "error")).inc()
    ACTION_SECONDS.labels(action).observe(seconds)
    if status >= 500:
        ACTION_ERRORS.labels(action).inc()
    elif status == 200 and body:
        try:
            reply = json.loads(body)
        except ValueError:
            return
        if isinstance(reply, dict):
            record_reply(action, reply)


async def start_timer(request: Request) -> None:
    if request.path == WEBHOOK_PATH:
        request.ctx.metrics_started = time.perf_counter()


async def observe_call(request: Request, response: BaseHTTPResponse) -> None:
    started = getattr(request.ctx, "metrics_started", None)
    if started is None or response is None:
        return
    record_call(action_name(request), response.status, time.perf_counter() - started, response.body)


async def metrics_endpoint(request: Request) -> HTTPResponse:
    return raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    """rasa-sdk's hook: the ``/metrics`` route, the two middlewares, JSON logs when ``LOG_FORMAT=json``."""
    app.add_route(metrics_endpoint, "/metrics", methods=["GET"], name="prometheus_metrics")
    app.register_middleware(start_timer, "request")
    app.register_middleware(observe_call, "response")
    if json_logs.wanted():
        app.register_listener(json_logs.json_logs_listener, "before_server_start")


def register() -> None:
    """Put this module's hook into rasa-sdk's plugin manager (idempotent)."""
    from rasa_sdk.plugin import plugin_manager

    manager = plugin_manager()
    module = sys.modules[__name__]
    if not manager.is_registered(module):
        manager.register(module)
