"""``GET /metrics`` on both real servers: the counters move with the messages that went through them."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from service.launcher import DEFAULT_MODEL, PROJECT_ROOT, SQLITE_TRACKER_STORE, free_port, running_stack

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
LOG_DIR = PROJECT_ROOT / "results" / "e2e-metrics"
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model; run `make train`")
    log_dir = LOG_DIR
    log_dir.mkdir(parents=True, exist_ok=True)
    database = tmp_path_factory.mktemp("trackers") / "trackers.db"
    env = {
        "TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE,
        "TRACKER_STORE_URL": f"sqlite:///{database}",
        "LOG_FORMAT": "json",
    }
    with running_stack(rasa_port=free_port(), action_port=free_port(), env=env, log_dir=log_dir) as running:
        yield running


def scrape(url: str) -> dict[str, float]:
    """Every sample of a Prometheus text page: ``name{labels}`` -> value."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("text/plain")
        text = reply.read().decode()
    samples = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


def chat(stack, sender: str, message: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(stack.webhook_url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def moved(before: dict[str, float], after: dict[str, float], name: str) -> float:
    return after.get(name, 0.0) - before.get(name, 0.0)


def test_both_servers_count_messages_intents_topics_fallbacks_and_escalations(stack) -> None:
    rasa_before, actions_before = scrape(stack.rasa_url), scrape(stack.action_url)
    chat(stack, "metrics-1", "Does microneedling hurt?")
    chat(stack, "metrics-1", "how much is it?")
    chat(stack, "metrics-2", "how many units of botox do I need for my forehead lines?")
    chat(stack, "metrics-3", "I had microneedling two days ago and now my face has pus and a fever")
    chat(stack, "metrics-4", "what about the other thing?")
    rasa_after, actions_after = scrape(stack.rasa_url), scrape(stack.action_url)

    assert moved(rasa_before, rasa_after, 'rasa_messages_total{channel="rest"}') == 5
    assert moved(rasa_before, rasa_after, 'rasa_message_duration_seconds_count{channel="rest"}') == 5
    assert moved(rasa_before, rasa_after, 'rasa_intents_total{intent="ask_pain"}') == 1
    assert moved(rasa_before, rasa_after, 'rasa_intents_total{intent="ask_cost"}') == 1
    assert moved(rasa_before, rasa_after, 'rasa_actions_total{action="action_answer_faq"}') == 2
    assert moved(rasa_before, rasa_after, "rasa_out_of_scope_total") == 1
    assert moved(rasa_before, rasa_after, "rasa_escalations_total") == 1
    assert moved(rasa_before, rasa_after, 'rasa_fallbacks_total{kind="nlu_fallback"}') == 1
    assert moved(rasa_before, rasa_after, 'rasa_fallbacks_total{kind="clarify"}') == 1
    assert moved(rasa_before, rasa_after, 'rasa_http_responses_total{route="rest",status="200"}') == 5
    assert rasa_after.get('rasa_message_failures_total{channel="rest"}', 0.0) == 0
    assert rasa_after.get("process_resident_memory_bytes", 0) > 100e6  # the process collector is on

    answer = 'action="action_answer_faq"'
    assert moved(actions_before, actions_after, f'action_server_calls_total{{{answer},outcome="ok"}}') == 2
    assert moved(actions_before, actions_after, 'action_server_topics_answered_total{topic="ask_pain"}') == 1
    assert moved(actions_before, actions_after, 'action_server_topics_answered_total{topic="ask_cost"}') == 1
    escalated = sum(v for k, v in actions_after.items() if k.startswith("action_server_escalations_total")) - sum(
        v for k, v in actions_before.items() if k.startswith("action_server_escalations_total")
    )
    assert escalated == 1
    assert moved(actions_before, actions_after, f"action_server_call_duration_seconds_count{{{answer}}}") == 2


def test_an_action_that_raises_is_an_error_on_the_action_server(stack) -> None:
    """A call whose action raises (the message text is not text) is a 500 and an error on the action server."""
    before = scrape(stack.action_url)
    tracker = {"sender_id": "x", "latest_message": {"text": ["not", "text"]}}
    call = json.dumps({"next_action": "action_answer_faq", "tracker": tracker, "domain": {}}).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(f"{stack.action_url}/webhook", data=call, headers=headers)
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert error.value.code == 500
    after = scrape(stack.action_url)
    assert moved(before, after, 'action_server_errors_total{action="action_answer_faq"}') == 1
    assert moved(before, after, 'action_server_calls_total{action="action_answer_faq",outcome="error"}') == 1


def test_unknown_payload_intents_do_not_grow_the_labels(stack) -> None:
    before = scrape(stack.rasa_url)
    chat(stack, "metrics-5", "/no_such_intent_1234")
    after = scrape(stack.rasa_url)
    assert not any("no_such_intent_1234" in name for name in after)
    assert moved(before, after, 'rasa_messages_total{channel="rest"}') == 1


def test_the_container_probe_sees_both_servers_ready(stack) -> None:
    """Runs before the action server is killed (pytest keeps the file's order)."""
    from service import probe

    assert probe.rasa_ready(stack.rasa_url, stack.auth_token)
    assert not probe.rasa_ready(stack.rasa_url, "wrong-token")
    assert probe.actions_ready(stack.action_url)


def test_rasa_counts_custom_actions_that_fail_when_the_action_server_is_down(stack) -> None:
    """Last in the module: it kills the action server."""
    before = scrape(stack.rasa_url)
    actions = stack.servers[0]
    actions.process.kill()
    actions.process.wait(timeout=10)
    chat(stack, "metrics-6", "Does microneedling hurt?")
    after = scrape(stack.rasa_url)
    assert moved(before, after, 'rasa_action_errors_total{action="action_answer_faq"}') == 1
    assert moved(before, after, 'rasa_messages_total{channel="rest"}') == 1


def json_lines(path) -> list[dict]:
    entries = []
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and {"time", "level", "logger", "message"} <= entry.keys():
            entries.append(entry)
    return entries


def test_log_format_json_gives_json_lines_on_both_servers(stack) -> None:
    """After the tests above: the action server logged the raising action, Rasa the failed custom action."""
    action_errors = [e for e in json_lines(LOG_DIR / "action-server.log") if e["level"] == "ERROR"]
    assert action_errors and "exception" in action_errors[0]
    rasa_entries = json_lines(LOG_DIR / "rasa-server.log")
    assert any("action_answer_faq" in entry["message"] for entry in rasa_entries), rasa_entries[-5:]
