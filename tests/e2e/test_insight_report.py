"""`make report` on a store the real servers wrote: chat through the REST webhook, then check the CSV and HTML.

Votes: a 👎 is clicked through the webhook as the widget sends it (the action
stores the feedback slot); the other documented vote shape (insights/feedback.py,
entities on a ``feedback`` message) is appended through Rasa's own HTTP API. The
report reads the SQLite file while the Rasa server still has it open (WAL mode).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import urllib.request

import pytest

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from service.launcher import DEFAULT_MODEL, PROJECT_ROOT, SQLITE_TRACKER_STORE, free_port, running_stack
from tests.e2e.test_rest_conversation import chat

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
SCOPE = KNOWLEDGE.messages["out_of_scope"]
CONVERSATIONS = {
    "e2e-report-pain": [
        ("Does microneedling hurt?", KNOWLEDGE.faqs["ask_pain"].answer),
        ("and what about 1 mm needles?", KNOWLEDGE.faqs["ask_pain"].variant("needle_length", "1.0 mm")),
    ],
    "e2e-report-cost": [("how much does microneedling cost?", KNOWLEDGE.faqs["ask_cost"].answer)],
    "e2e-report-botox": [
        ("do you do botox injections? email me at jane.doe@example.com", SCOPE),
        ("can I get botox injections here?", SCOPE),
    ],
    "e2e-report-unclear": [("what about the other thing?", KNOWLEDGE.messages["clarify"])],
    "e2e-report-complication": [
        ("I had microneedling two days ago and now my face has pus and a fever", KNOWLEDGE.urgent_escalation)
    ],
}
CLICKS = {"e2e-report-pain": "/feedback_not_helpful"}  # on the latest answer, the 1 mm one: stored as the slot
VOTES = {
    # Shape 1: a feedback message with vote and topic entities.
    "e2e-report-cost": {
        "event": "user",
        "text": "/feedback",
        "parse_data": {
            "intent": {"name": "feedback", "confidence": 1.0},
            "entities": [{"entity": "vote", "value": "up"}, {"entity": "topic", "value": "ask_cost"}],
        },
    },
}


def append_event(stack, sender: str, event: dict) -> None:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker/events?token={stack.auth_token}"
    request = urllib.request.Request(url, data=json.dumps(event).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.status == 200


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[list[dict[str, str]], str]:
    """Chat, vote, then `make report` into a temporary folder; the CSV rows and the HTML."""
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model; run `make train`")
    log_dir = PROJECT_ROOT / "results" / "e2e"
    log_dir.mkdir(parents=True, exist_ok=True)
    database = tmp_path_factory.mktemp("trackers") / "trackers.db"
    out_dir = tmp_path_factory.mktemp("report")
    store = {"TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE, "TRACKER_STORE_URL": f"sqlite:///{database}"}
    with running_stack(rasa_port=free_port(), action_port=free_port(), env=store, log_dir=log_dir) as stack:
        for sender, turns in CONVERSATIONS.items():
            for message, expected in turns:
                replies = chat(stack, sender, message)
                assert replies[0]["text"] == expected, (message, replies[0]["text"])
        for sender, payload in CLICKS.items():
            assert chat(stack, sender, payload)[0]["text"] == KNOWLEDGE.messages["feedback_sorry"]
        for sender, event in VOTES.items():
            append_event(stack, sender, event)
        done = subprocess.run(
            ["make", "--no-print-directory", "report", f"REPORT_ARGS=--out-dir {out_dir}"],
            cwd=PROJECT_ROOT,
            env={**os.environ, **store},
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stderr
    assert "5 conversations, 7 messages" in done.stdout
    with (out_dir / "unanswered-questions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows, (out_dir / "insight-report.html").read_text(encoding="utf-8")


def test_csv_lists_the_unanswered_questions_grouped_and_masked(report) -> None:
    rows, _ = report
    assert [
        (r["group"], r["group_size"], r["group_did_you_mean"], r["group_out_of_scope"], r["question"]) for r in rows
    ] == [
        ("1", "2", "0", "2", "can I get botox injections here?"),
        ("1", "2", "0", "2", "do you do botox injections? email me at [email]"),
        ("2", "1", "1", "0", "what about the other thing?"),
    ]


def tile(html: str, label: str) -> str:
    match = re.search(rf"<div class='tile'><b>([^<]*)</b>{re.escape(label)}</div>", html)
    assert match, label
    return match.group(1)


def test_html_shows_the_figures(report) -> None:
    _, html = report
    assert tile(html, "conversations") == "5"
    assert tile(html, "user messages") == "7"
    assert tile(html, "answered") == "42.9%"  # 3 of 7
    assert tile(html, "not answered") == "42.9%"  # 2 scope + 1 did you mean
    assert tile(html, "👍 helpful / 👎 not helpful") == "1 / 1"
    assert "14.3% (1)" in html  # escalation, 1 of 7
    pain, cost = (re.escape(KNOWLEDGE.title(t)) for t in ("ask_pain", "ask_cost"))
    assert re.search(rf"<td>{pain}</td><td class='n'>2</td><td class='n'>0</td><td class='n'>1</td>", html)
    assert re.search(rf"<td>{cost}</td><td class='n'>1</td><td class='n'>1</td><td class='n'>0</td>", html)
    assert "<li>and what about 1 mm needles? (1)</li>" in html  # the question before the 👎 answer
    assert html.count("<svg") == 4


def test_html_names_nobody(report) -> None:
    _, html = report
    assert "e2e-report" not in html and "jane.doe@example.com" not in html
    assert "<script" not in html
