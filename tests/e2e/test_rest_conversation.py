"""Start the real action server and Rasa server, and chat through the REST webhook."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from service.launcher import DEFAULT_MODEL, PROJECT_ROOT, SQLITE_TRACKER_STORE, cors_origins, free_port, running_stack

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model; run `make train`")
    log_dir = PROJECT_ROOT / "results" / "e2e"
    log_dir.mkdir(parents=True, exist_ok=True)
    database = tmp_path_factory.mktemp("trackers") / "trackers.db"
    env = {"TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE, "TRACKER_STORE_URL": f"sqlite:///{database}"}
    # CORS as `make run` sets it when RASA_CORS_ORIGINS is not configured, on 127.0.0.1.
    cors = cors_origins(None)
    with running_stack(rasa_port=free_port(), action_port=free_port(), env=env, log_dir=log_dir, cors=cors) as running:
        yield running


def post(url: str, data: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def chat(stack, sender: str, message: str) -> list[dict]:
    status, replies = post(stack.webhook_url, json.dumps({"sender": sender, "message": message}).encode())
    assert status == 200, replies
    assert all(reply["recipient_id"] == sender for reply in replies)
    return replies


def texts(replies: list[dict]) -> list[str]:
    return [reply.get("text", "") for reply in replies]


def test_greeting_shows_menu(stack) -> None:
    replies = chat(stack, "e2e-greet", "hello")
    assert replies[0]["text"] == KNOWLEDGE.messages["greeting"]
    assert [b["payload"] for b in replies[0]["buttons"]][-1] == "/human_handoff"


def test_faq_answer_follow_up_and_button(stack) -> None:
    sender = "e2e-pain"
    first = chat(stack, sender, "Does microneedling hurt?")
    assert first[0]["text"] == KNOWLEDGE.faqs["ask_pain"].answer
    assert first[1]["text"] == f"_{KNOWLEDGE.disclaimer}_"
    follow_up = chat(stack, sender, "and what about 1 mm needles?")
    assert texts(follow_up) == [KNOWLEDGE.faqs["ask_pain"].variant("needle_length", "1.0 mm")]
    button = next(b for b in follow_up[0]["buttons"] if b["payload"].startswith("/ask_recovery"))
    clicked = chat(stack, sender, button["payload"])
    assert clicked[0]["text"] == KNOWLEDGE.faqs["ask_recovery"].variant("needle_length", "1.0 mm")
    price = chat(stack, sender, "how much is it?")
    assert price[0]["text"] == KNOWLEDGE.faqs["ask_cost"].answer


def test_complication_gets_escalation_not_an_answer(stack) -> None:
    replies = chat(stack, "e2e-complication", "I had microneedling two days ago and now my face has pus and a fever")
    assert KNOWLEDGE.urgent_escalation in texts(replies)
    assert KNOWLEDGE.emergency_escalation in texts(replies)
    answers = {entry.answer for entry in KNOWLEDGE.faqs.values()}
    assert not answers & set(texts(replies))


def test_the_problem_button_of_did_you_mean_brings_the_escalation_advice(stack) -> None:
    """The button's payload goes through Rasa's rules to the escalation, with the clinic's contact."""
    sender = "e2e-problem-button"
    chat(stack, sender, "hello")
    replies = chat(stack, sender, "/report_complication")
    assert texts(replies) == [KNOWLEDGE.urgent_escalation, KNOWLEDGE.emergency_escalation]
    # A click names no sign, so the after-effects answer is offered after a person, as for any such report.
    assert [b["payload"] for b in replies[-1]["buttons"]] == ["/human_handoff", "/ask_after_effects_check"]


def test_an_escalation_on_the_classifiers_reading_alone_offers_the_after_effects_answer(stack) -> None:
    """No warning sign named: the advice first, then what is expected, with the signs to watch, one click away."""
    sender = "e2e-expected-effects-offer"
    replies = chat(stack, sender, "something just feels off with my skin since the microneedling last week")
    assert texts(replies)[:2] == [KNOWLEDGE.urgent_escalation, KNOWLEDGE.emergency_escalation]
    offer = replies[-1]["buttons"][-1]
    assert offer == {"title": KNOWLEDGE.faqs["ask_after_effects_check"].title, "payload": "/ask_after_effects_check"}
    clicked = chat(stack, sender, offer["payload"])
    assert clicked[0]["text"] == KNOWLEDGE.faqs["ask_after_effects_check"].answer
    assert KNOWLEDGE.urgent_escalation not in texts(clicked)


def test_calm_is_this_normal_gets_expected_effects_with_warning_signs(stack) -> None:
    """An ordinary after-effect asked about calmly: what to expect, the signs to watch, the clinic's phone."""
    replies = chat(stack, "e2e-normal", "my skin is a bit flaky and tight two days after my session, is that normal?")
    answer = KNOWLEDGE.faqs["ask_after_effects_check"].answer
    assert replies[0]["text"] == answer
    assert KNOWLEDGE.clinic.phone in answer and "pus" in answer
    assert KNOWLEDGE.urgent_escalation not in texts(replies)


@pytest.mark.parametrize(
    "message",
    [
        "my hair started falling out where I used the derma roller last week",
        "I have a rash since my session yesterday, is that normal?",
        "it's day 4 and the swelling is getting worse, is this normal?",
    ],
)
def test_warning_signs_escalate_however_calmly_asked(stack, message) -> None:
    replies = chat(stack, "e2e-warning", message)
    assert KNOWLEDGE.urgent_escalation in texts(replies)
    answers = {entry.answer for entry in KNOWLEDGE.faqs.values()}
    assert not answers & set(texts(replies))


@pytest.mark.parametrize(
    ("message", "topic", "entity"),
    [
        ("does insurance or an HSA cover microneedling?", "ask_payment", None),
        ("is there a minimum age for microneedling", "ask_age", None),
        ("can I get PRP with my microneedling?", "ask_combinations", ("treatment", "prp")),
        ("should I use minoxidil with a derma roller for hair loss", "ask_hair_growth", ("treatment", "minoxidil")),
        ("is microneedling ok if I'm diabetic", "ask_contraindications", ("condition", "diabetes")),
    ],
)
def test_topics_the_seeds_barely_cover_say_so_and_point_to_the_clinic(stack, message, topic, entity) -> None:
    replies = chat(stack, f"e2e-honest-{topic}", message)
    entry = KNOWLEDGE.faqs[topic]
    expected = entry.variant(*entity) if entity else entry.answer
    assert replies[0]["text"].startswith(expected)
    assert "don't" in expected and ("consultation" in expected or KNOWLEDGE.clinic.phone in expected)


def test_a_two_part_question_offers_the_second_part_first(stack) -> None:
    replies = chat(stack, "e2e-two-part", "how much does microneedling cost and does it hurt?")
    answered = next(t for t, e in KNOWLEDGE.faqs.items() if replies[0]["text"].startswith(e.answer))
    other = {"ask_cost": "/ask_pain", "ask_pain": "/ask_cost"}[answered]
    assert replies[0]["buttons"][0]["payload"] == other


def test_out_of_scope_gets_scope_message(stack) -> None:
    replies = chat(stack, "e2e-oos", "how many units of botox do I need for my forehead lines?")
    assert replies[0]["text"] == KNOWLEDGE.messages["out_of_scope"]


def test_handoff_and_booking_give_clinic_details(stack) -> None:
    assert KNOWLEDGE.clinic.phone in chat(stack, "e2e-handoff", "I want to talk to a real person")[0]["text"]
    assert KNOWLEDGE.clinic.booking_url in chat(stack, "e2e-book", "I'd like to book a consultation")[0]["text"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", "empty"),
        ("    ", "empty"),
        ("x" * 5000, "too long"),
        ("🙂🙂🙂", KNOWLEDGE.messages["no_words"]),
        ("¿Cuánto cuesta el microneedling y duele mucho?", KNOWLEDGE.messages["english_only"]),
    ],
    ids=["empty", "blank", "huge", "emoji", "spanish"],
)
def test_odd_messages_get_a_clear_answer(stack, message, expected) -> None:
    replies = chat(stack, "e2e-odd", message)
    assert any(expected in text for text in texts(replies)), replies


def test_markup_is_treated_as_text(stack) -> None:
    replies = chat(stack, "e2e-markup", "<img src=x onerror=alert(1)>")
    assert replies and all("<img" not in text for text in texts(replies))


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", json.dumps({"message": "hi"}).encode(), json.dumps({"sender": "a", "message": 5}).encode()],
    ids=["not-json", "not-object", "no-sender", "number-message"],
)
def test_malformed_requests_get_400_with_a_reason(stack, body) -> None:
    status, reply = post(stack.webhook_url, body)
    assert status == 400
    assert reply["error"]


def test_http_api_needs_the_token(stack) -> None:
    for path in ("/status", "/conversations/e2e-pain/tracker"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{stack.rasa_url}{path}", timeout=10)
        assert refused.value.code == 401
    with urllib.request.urlopen(f"{stack.rasa_url}/status?token={stack.auth_token}", timeout=10) as reply:
        assert reply.status == 200


def test_rating_an_answer_is_stored_with_its_topic_and_nothing_else(stack) -> None:
    sender = "e2e-rating"
    answer = chat(stack, sender, "how long is the downtime after microneedling?")
    payloads = [button["payload"] for button in answer[0]["buttons"]]
    assert payloads[-2:] == ["/feedback_helpful", "/feedback_not_helpful"]
    sorry = chat(stack, sender, "/feedback_not_helpful")
    assert sorry[0]["text"] == KNOWLEDGE.messages["feedback_sorry"]
    assert sorry[0]["buttons"][-1]["payload"] == "/human_handoff"
    with urllib.request.urlopen(
        f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.auth_token}", timeout=10
    ) as reply:
        tracker = json.loads(reply.read())
    assert tracker["slots"]["feedback"] == {"vote": "down", "topic": "ask_recovery"}
    thanks = chat(stack, sender, "/feedback_helpful")
    assert thanks[0]["text"] == KNOWLEDGE.messages["feedback_thanks"]


def test_another_site_gets_no_cors_permission_by_default(stack) -> None:
    """The stack runs with make run's default CORS setting: a foreign page may not read the replies."""
    body = json.dumps({"sender": "e2e-cors", "message": "hi"}).encode()
    request = urllib.request.Request(
        stack.webhook_url, data=body, headers={"Content-Type": "application/json", "Origin": "https://evil.example"}
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.headers.get("Access-Control-Allow-Origin") is None


def test_http_api_takes_the_token_in_a_header(stack) -> None:
    """`Authorization: Token …` instead of `?token=…`, which would land in proxy logs; a wrong one is refused."""

    def status_with(header: str) -> int:
        request = urllib.request.Request(f"{stack.rasa_url}/status", headers={"Authorization": header})
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code

    assert status_with(f"Token {stack.auth_token}") == 200
    assert status_with("Token not-the-token") == 401
    assert status_with(f"Basic {stack.auth_token}") == 401


def test_the_rasa_server_runs_tensorflow_without_jax(stack) -> None:
    """rasa_extensions.without_jax holds in the real server: TensorFlow's libraries are mapped, JAX's are not."""
    chat(stack, "e2e-jax", "hello")
    rasa = next(server for server in stack.servers if server.name == "Rasa server")
    assert rasa.process is not None
    maps = Path(f"/proc/{rasa.process.pid}/maps").read_text().splitlines()
    mapped = {line.split()[-1] for line in maps if "/" in line}
    assert any("/tensorflow/" in path for path in mapped)
    assert not [path for path in mapped if "/jaxlib/" in path or "/jax/" in path]
