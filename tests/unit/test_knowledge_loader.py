"""The knowledge file loads, and a broken one is refused with the entry and field named."""

from __future__ import annotations

from typing import Any

from evaluation.labelled_data import faq_intents
from tests.conftest import knowledge_copy, knowledge_problems


def test_real_file_loads_with_clinic_details_filled_in(knowledge) -> None:
    assert set(knowledge.faqs) == set(faq_intents())
    assert knowledge.clinic.phone in knowledge.handoff
    assert knowledge.clinic.booking_url in knowledge.booking
    assert knowledge.clinic.emergency_number in knowledge.emergency_escalation
    assert "{" not in knowledge.faqs["ask_cost"].answer
    assert knowledge.clinic.price_range in knowledge.faqs["ask_cost"].answer
    after_effects = knowledge.faqs["ask_after_effects_check"].answer
    assert knowledge.clinic.phone in after_effects and knowledge.clinic.emergency_number in after_effects


def test_missing_answer_names_entry_and_field(tmp_path) -> None:
    path = knowledge_copy(tmp_path, lambda d: d["faqs"]["ask_pain"].pop("answer"))
    assert "entry 'ask_pain', field 'answer' is missing" in knowledge_problems(path)


def test_empty_sources_are_refused(tmp_path) -> None:
    path = knowledge_copy(tmp_path, lambda d: d["faqs"]["ask_cost"].update(sources=[]))
    assert "entry 'ask_cost', field 'sources'" in knowledge_problems(path)


def test_follow_up_to_unknown_topic_is_refused(tmp_path) -> None:
    path = knowledge_copy(tmp_path, lambda d: d["faqs"]["ask_pain"].update(follow_ups=["ask_recovery", "ask_prices"]))
    assert "entry 'ask_pain', field 'follow_ups' names unknown topic 'ask_prices'" in knowledge_problems(path)


def test_unknown_placeholder_is_refused(tmp_path) -> None:
    path = knowledge_copy(tmp_path, lambda d: d.update(handoff="Call {clinic_phone}."))
    assert "section 'handoff' uses unknown placeholder {clinic_phone}" in knowledge_problems(path)


def test_unknown_variant_entity_type_is_refused(tmp_path) -> None:
    path = knowledge_copy(tmp_path, lambda d: d["faqs"]["ask_pain"]["variants"].update(mood={"calm": "x" * 60}))
    assert "entry 'ask_pain', field 'variants' has an unknown field" in knowledge_problems(path)


def test_channel_replies_and_the_team_button_are_read_from_the_file(knowledge) -> None:
    from channels.reply_texts import load_reply_texts

    texts = load_reply_texts()
    assert (texts.empty, texts.command, texts.non_text) == tuple(
        knowledge.messages[key] for key in ("empty_message", "command_message", "non_text_message")
    )
    assert texts.too_long_reply(2345, 2000).startswith("That message is too long for me (2345 characters)")
    assert "under 2000 characters" in texts.too_long_reply(2345, 2000)
    assert knowledge.messages["handoff_button"] == "Talk to our team"


def test_missing_channel_reply_names_the_field(tmp_path) -> None:
    path = knowledge_copy(tmp_path, lambda d: d["messages"].pop("non_text_message"))
    assert "section 'messages', field 'non_text_message' is missing" in knowledge_problems(path)


def test_too_long_button_label_is_refused(tmp_path) -> None:
    path = knowledge_copy(
        tmp_path, lambda d: d["messages"].update(handoff_button="Talk to a member of our friendly clinic team")
    )
    assert "section 'messages', field 'handoff_button' is invalid" in knowledge_problems(path)


def test_send_time_placeholders_only_where_they_are_filled(tmp_path) -> None:
    path = knowledge_copy(tmp_path, lambda d: d["messages"].update(greeting="Hi ({length} characters)"))
    assert "section 'messages', field 'greeting' uses unknown placeholder {length}" in knowledge_problems(path)


def test_review_date_in_the_future_is_refused(tmp_path) -> None:
    path = knowledge_copy(tmp_path, lambda d: d["faqs"]["ask_safety"].update(last_reviewed="2999-01-01"))
    assert "entry 'ask_safety', field 'last_reviewed' is in the future" in knowledge_problems(path)


def test_bad_clinic_phone_names_the_section(tmp_path) -> None:
    path = knowledge_copy(tmp_path, lambda d: d["clinic"].update(phone="call us"))
    assert "section 'clinic', field 'phone' is invalid" in knowledge_problems(path)


def test_invalid_yaml_reports_the_line(tmp_path) -> None:
    path = tmp_path / "knowledge.yml"
    path.write_text("faqs:\n  ask_pain: [unclosed\n", encoding="utf-8")
    assert "is not valid YAML at line" in knowledge_problems(path)


def test_missing_file_is_refused_clearly(tmp_path) -> None:
    assert "cannot be read" in knowledge_problems(tmp_path / "nope.yml")


def test_every_problem_is_listed_not_just_the_first(tmp_path) -> None:
    def mutate(d: dict[str, Any]) -> None:
        d["faqs"]["ask_pain"].pop("title")
        d["faqs"]["ask_cost"]["answer"] = "too short"

    message = knowledge_problems(knowledge_copy(tmp_path, mutate))
    assert "entry 'ask_pain', field 'title' is missing" in message
    assert "entry 'ask_cost', field 'answer' is invalid" in message


def test_action_server_refuses_to_start_without_a_traceback(tmp_path) -> None:
    import os
    import subprocess
    import sys

    from actions.knowledge_loader import PROJECT_ROOT

    path = knowledge_copy(
        tmp_path, lambda d: d["faqs"]["ask_recovery"].update(follow_ups=["ask_aftercare", "ask_nope"])
    )
    env = {**os.environ, "KNOWLEDGE_FILE": str(path), "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "actions", "--port", "0"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Refusing to start the action server" in result.stderr
    assert "entry 'ask_recovery', field 'follow_ups' names unknown topic 'ask_nope'" in result.stderr
    assert "Traceback" not in result.stderr
