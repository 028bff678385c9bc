"""The metrics' bookkeeping and the JSON log lines, without servers (tests/e2e/test_metrics.py runs them for real)."""

from __future__ import annotations

import json
import logging

from prometheus_client import REGISTRY

from actions.knowledge_loader import default_knowledge_base
from observability import action_metrics, json_logs, rasa_metrics


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_turn_counts_channel_intent_actions_and_what_they_mean() -> None:
    before = {
        "messages": value("rasa_messages_total", channel="telegram"),
        "fallback": value("rasa_fallbacks_total", kind="nlu_fallback"),
        "clarify": value("rasa_fallbacks_total", kind="clarify"),
        "oos": value("rasa_out_of_scope_total"),
        "escalations": value("rasa_escalations_total"),
        "failures": value("rasa_message_failures_total", channel="telegram"),
    }
    turn = rasa_metrics.Turn("nlu_fallback", ["action_clarify"])
    rasa_metrics.record_turn("telegram", 0.03, turn, handled=True)
    rasa_metrics.record_turn("telegram", 0.03, rasa_metrics.Turn("out_of_scope", ["action_out_of_scope"]), True)
    escalation = rasa_metrics.Turn("report_complication", ["action_escalate_complication"])
    rasa_metrics.record_turn("telegram", 0.03, escalation, handled=False)
    assert value("rasa_messages_total", channel="telegram") - before["messages"] == 3
    assert value("rasa_fallbacks_total", kind="nlu_fallback") - before["fallback"] == 1
    assert value("rasa_fallbacks_total", kind="clarify") - before["clarify"] == 1
    assert value("rasa_out_of_scope_total") - before["oos"] == 1
    assert value("rasa_escalations_total") - before["escalations"] == 1
    assert value("rasa_message_failures_total", channel="telegram") - before["failures"] == 1


def test_labels_stay_bounded() -> None:
    intents = ["ask_pain", "greet"]
    assert rasa_metrics.known_intent("ask_pain", intents) == "ask_pain"
    assert rasa_metrics.known_intent("nlu_fallback", intents) == "nlu_fallback"
    assert rasa_metrics.known_intent("made_up_by_a_visitor", intents) == "other"
    assert rasa_metrics.known_intent(None, intents) == "other"
    assert rasa_metrics.route_label("/webhooks/rest/webhook") == "rest"
    assert rasa_metrics.route_label("/webhooks/telegram/webhook") == "telegram"
    assert rasa_metrics.route_label("/conversations/abc/tracker") == "api"
    assert rasa_metrics.route_label("/metrics") == "metrics"


def test_an_action_reply_counts_the_topic_and_an_escalation() -> None:
    knowledge = default_knowledge_base()
    reply = {
        "events": [{"event": "slot", "name": "last_topic", "value": "ask_sessions"}],
        "responses": [{"text": "the answer"}],
    }
    before = value("action_server_topics_answered_total", topic="ask_sessions")
    action_metrics.record_call("action_answer_faq", 200, 0.002, json.dumps(reply).encode())
    assert value("action_server_topics_answered_total", topic="ask_sessions") - before == 1

    severe = {
        "events": [{"event": "slot", "name": "last_topic", "value": None}],
        "responses": [{"text": knowledge.emergency_escalation}, {"text": knowledge.urgent_escalation}],
    }
    labels = {"urgency": "emergency", "action": "action_answer_faq"}
    before = value("action_server_escalations_total", **labels)
    action_metrics.record_call("action_answer_faq", 200, 0.002, json.dumps(severe).encode())
    assert value("action_server_escalations_total", **labels) - before == 1


def test_errors_and_unknown_actions() -> None:
    before_errors = value("action_server_errors_total", action="action_show_menu")
    action_metrics.record_call("action_show_menu", 500, 0.001, b'{"error": "boom"}')
    assert value("action_server_errors_total", action="action_show_menu") - before_errors == 1
    before = value("action_server_calls_total", action="unknown", outcome="not_found")
    action_metrics.record_call("anything_a_caller_typed", 404, 0.001, b"{}")
    assert value("action_server_calls_total", action="unknown", outcome="not_found") - before == 1
    assert value("action_server_calls_total", action="anything_a_caller_typed", outcome="not_found") == 0


def test_json_log_lines() -> None:
    assert json_logs.wanted({"LOG_FORMAT": "json"}) and json_logs.wanted({"LOG_FORMAT": " JSON "})
    assert not json_logs.wanted({"LOG_FORMAT": "text"}) and not json_logs.wanted({})
    record = logging.LogRecord("channels.guarded_rest", logging.WARNING, __file__, 1, "slow %s", ("reply",), None)
    entry = json.loads(json_logs.JsonFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["logger"] == "channels.guarded_rest"
    assert entry["message"] == "slow reply" and entry["time"].endswith("Z")
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert "ValueError: bad" in json.loads(json_logs.JsonFormatter().format(record))["exception"]


def test_the_action_server_plugin_registers_once() -> None:
    from rasa_sdk.plugin import plugin_manager

    action_metrics.register()
    action_metrics.register()
    assert plugin_manager().is_registered(action_metrics)
