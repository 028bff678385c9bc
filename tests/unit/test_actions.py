"""The custom actions, run with rasa-sdk's Tracker and CollectingDispatcher."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet

from actions.actions import (
    ActionAnswerFaq,
    ActionBookConsultation,
    ActionBotChallenge,
    ActionClarify,
    ActionEscalateComplication,
    ActionHumanHandoff,
    ActionOutOfScope,
    ActionRecordFeedback,
    ActionShowMenu,
)
from tests.conftest import make_tracker, run_action, user_event


def run(action, tracker):
    return asyncio.run(run_action(action, tracker))


def test_faq_answer_with_buttons_topic_slot_and_one_disclaimer(knowledge) -> None:
    messages, events = run(ActionAnswerFaq(), make_tracker("does it hurt?", "ask_pain"))
    assert messages[0]["text"] == knowledge.faqs["ask_pain"].answer
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/ask_needle_size",
        "/ask_procedure",
        "/ask_recovery",
        "/feedback_helpful",
        "/feedback_not_helpful",
    ]
    assert messages[1]["text"] == f"_{knowledge.disclaimer}_"
    assert SlotSet("last_topic", "ask_pain") in events
    assert SlotSet("disclaimer_shown", True) in events

    again, _ = run(ActionAnswerFaq(), make_tracker("cost?", "ask_cost", slots={"disclaimer_shown": True}))
    assert len(again) == 1


def test_entity_variant_is_answered(knowledge) -> None:
    tracker = make_tracker("does 1mm microneedling hurt", "ask_pain", entities=[("needle_length", "1.0 mm")])
    messages, _ = run(ActionAnswerFaq(), tracker)
    assert messages[0]["text"] == knowledge.faqs["ask_pain"].variant("needle_length", "1.0 mm")


def test_follow_up_after_pain_answer_stays_on_pain(knowledge) -> None:
    tracker = make_tracker(
        "and what about 1 mm needles?",
        "ask_needle_size",
        entities=[("needle_length", "1.0 mm")],
        slots={"last_topic": "ask_pain", "disclaimer_shown": True},
    )
    messages, events = run(ActionAnswerFaq(), tracker)
    assert messages[0]["text"] == knowledge.faqs["ask_pain"].variant("needle_length", "1.0 mm")
    assert SlotSet("last_topic", "ask_pain") in events


def test_new_topic_after_pain_answer_is_answered_as_asked(knowledge) -> None:
    tracker = make_tracker("how much is it?", "ask_cost", slots={"last_topic": "ask_pain", "disclaimer_shown": True})
    messages, _ = run(ActionAnswerFaq(), tracker)
    assert messages[0]["text"] == knowledge.faqs["ask_cost"].answer


def test_complication_misclassified_as_faq_is_escalated(knowledge) -> None:
    tracker = make_tracker("my face is oozing pus two days after my microneedling", "ask_side_effects")
    messages, events = run(ActionAnswerFaq(), tracker)
    texts = [m.get("text") for m in messages]
    assert texts[:2] == [knowledge.urgent_escalation, knowledge.emergency_escalation]
    assert knowledge.faqs["ask_side_effects"].answer not in texts
    assert SlotSet("last_topic", None) in events


def test_reported_complication_gets_escalation_only(knowledge) -> None:
    messages, _ = run(
        ActionEscalateComplication(), make_tracker("my cheek is really red and sore", "report_complication")
    )
    assert [m.get("text") for m in messages[:2]] == [knowledge.urgent_escalation, knowledge.emergency_escalation]
    assert knowledge.clinic.phone in messages[0]["text"]
    assert all(m.get("text") for m in messages)
    # Only signs the seeds call expected: the after-effects answer is one click away, after a person.
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/human_handoff", "/ask_after_effects_check"]
    assert messages[-1]["buttons"][1]["title"] == knowledge.faqs["ask_after_effects_check"].title


@pytest.mark.parametrize(
    ("text", "offered"),
    [
        # The classifier's reading alone: a calm question it took for a report, or a problem the screen has no word for.
        ("I walked out of the clinic looking like a tomato after my session", True),
        ("something just feels off with my skin since the microneedling", True),
        # Warning signs, harm and red flags: the advice alone.
        ("I have pus and a fever since my session", False),
        ("it's day 4 and the swelling is getting worse", False),
        ("I have got blisters on my cheeks since my session", False),
    ],
)
def test_the_after_effects_answer_is_offered_only_when_no_warning_sign_is_named(knowledge, text, offered) -> None:
    messages, _ = run(ActionEscalateComplication(), make_tracker(text, "report_complication"))
    assert [m.get("text") for m in messages[:2]] == [knowledge.urgent_escalation, knowledge.emergency_escalation]
    payloads = [b["payload"] for b in messages[-1]["buttons"]]
    assert payloads == (["/human_handoff", "/ask_after_effects_check"] if offered else ["/human_handoff"])


def test_the_offered_button_brings_the_expected_effects_with_the_warning_signs(knowledge) -> None:
    messages, _ = run(ActionAnswerFaq(), make_tracker("/ask_after_effects_check", "ask_after_effects_check"))
    assert messages[0]["text"] == knowledge.faqs["ask_after_effects_check"].answer
    assert knowledge.clinic.phone in messages[0]["text"] and knowledge.clinic.emergency_number in messages[0]["text"]


def test_severe_complication_leads_with_emergency_advice(knowledge) -> None:
    tracker = make_tracker("my lips are swelling and i have trouble breathing", "report_complication")
    messages, _ = run(ActionEscalateComplication(), tracker)
    assert messages[0]["text"] == knowledge.emergency_escalation
    assert knowledge.clinic.emergency_number in messages[0]["text"]
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/human_handoff"]  # never softened


def test_foreign_language_gets_english_only_message(knowledge) -> None:
    messages, _ = run(ActionAnswerFaq(), make_tracker("¿Cuánto cuesta el microneedling?", "ask_cost"))
    assert messages[0]["text"] == knowledge.messages["english_only"]
    assert knowledge.clinic.phone in messages[0]["text"]


def test_emoji_only_gets_a_clear_prompt(knowledge) -> None:
    messages, _ = run(ActionAnswerFaq(), make_tracker("👍👍", "ask_results"))
    assert messages[0]["text"] == knowledge.messages["no_words"]
    assert messages[0]["buttons"]


def test_first_miss_offers_top_topics(knowledge) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "ask_recovery", "confidence": 0.45},
        {"name": "ask_aftercare", "confidence": 0.4},
    ]
    tracker = make_tracker("the after bit, how long", "nlu_fallback", ranking=ranking)
    messages, _ = run(ActionClarify(), tracker)
    assert messages[0]["text"] == knowledge.messages["clarify"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_recovery", "/ask_aftercare", "/human_handoff"]
    assert messages[0]["buttons"][0]["title"] == knowledge.faqs["ask_recovery"].title


def test_second_miss_offers_menu_and_a_person(knowledge) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "ask_recovery", "confidence": 0.45}]
    tracker = make_tracker(
        "hmm no the other thing", "nlu_fallback", ranking=ranking, history=[user_event("blah", "nlu_fallback")]
    )
    messages, _ = run(ActionClarify(), tracker)
    assert messages[0]["text"] == knowledge.messages["clarify_again"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert "/human_handoff" in payloads and f"/{knowledge.menu[0]}" in payloads


def test_unclear_follow_up_with_entity_answers_last_topic(knowledge) -> None:
    tracker = make_tracker(
        "and with 0.5mm?",
        "nlu_fallback",
        entities=[("needle_length", "0.5 mm")],
        slots={"last_topic": "ask_recovery", "disclaimer_shown": True},
    )
    messages, _ = run(ActionClarify(), tracker)
    assert messages[0]["text"] == knowledge.faqs["ask_recovery"].variant("needle_length", "0.5 mm")


def test_out_of_scope_gets_scope_message_and_menu_never_an_answer(knowledge) -> None:
    messages, events = run(ActionOutOfScope(), make_tracker("how much botox do I need for frown lines", "out_of_scope"))
    assert messages[0]["text"] == knowledge.messages["out_of_scope"]
    assert knowledge.clinic.name in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]][-1] == "/human_handoff"
    answers = {entry.answer for entry in knowledge.faqs.values()}
    assert not any(m.get("text") in answers for m in messages)
    assert SlotSet("last_topic", None) in events


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("IPL or microneedling for sun damage, which would you recommend?", "ask_compare_laser"),
        ("is dermapen as good as fraxel tbh", "ask_compare_laser"),
        ("peel or dermapen for uneven skin tone", "ask_compare_peel"),
    ],
)
def test_a_comparison_with_microneedling_read_as_out_of_scope_gets_the_comparison_answer(
    knowledge, text: str, topic: str
) -> None:
    messages, events = run(ActionOutOfScope(), make_tracker(text, "out_of_scope"))
    assert messages[0]["text"].startswith(knowledge.faqs[topic].answer.split("\n")[0])
    assert SlotSet("last_topic", topic) in events
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "out_of_scope", "confidence": 0.36},
        {"name": "ask_devices", "confidence": 0.31},
    ]
    messages, _ = run(ActionClarify(), make_tracker(text, "nlu_fallback", ranking=ranking))
    assert messages[0]["text"].startswith(knowledge.faqs[topic].answer.split("\n")[0])


def test_a_laser_question_without_microneedling_stays_out_of_scope(knowledge) -> None:
    messages, _ = run(ActionOutOfScope(), make_tracker("is fraxel better than IPL for sun damage", "out_of_scope"))
    assert messages[0]["text"] == knowledge.messages["out_of_scope"]


@pytest.mark.parametrize(
    ("text", "predicted"),
    [
        ("How many sessions will it take to remove my tattoo?", "ask_sessions"),
        ("Is a Hydrafacial worth it?", "ask_product_absorption"),
        ("is this redness normal after my TCA peel, or should I worry?", "ask_after_effects_check"),
    ],
)
def test_question_about_another_treatment_only_gets_the_scope_message(knowledge, text, predicted) -> None:
    messages, events = run(ActionAnswerFaq(), make_tracker(text, predicted))
    assert messages[0]["text"] == knowledge.messages["out_of_scope"]
    assert SlotSet("last_topic", None) in events


@pytest.mark.parametrize(
    ("text", "predicted"),
    [
        ("does it hurt as much as waxing", "ask_pain"),
        ("can I combine it with botox the same week", "ask_combinations"),
        ("how many sessions of microneedling after my tattoo removal?", "ask_sessions"),
    ],
)
def test_question_relating_another_treatment_to_microneedling_is_answered(knowledge, text, predicted) -> None:
    messages, events = run(ActionAnswerFaq(), make_tracker(text, predicted))
    assert messages[0]["text"] == knowledge.faqs[predicted].answer
    assert SlotSet("last_topic", predicted) in events


def _unsure_between(first: str, second: str) -> list[dict]:
    return [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": first, "confidence": 0.4},
        {"name": second, "confidence": 0.3},
    ]


def test_unsure_with_a_complication_as_best_guess_escalates_never_did_you_mean(knowledge) -> None:
    text = "her skin was broken, red and inflamed with welts across the cheekbones"
    tracker = make_tracker(text, "nlu_fallback", ranking=_unsure_between("report_complication", "ask_side_effects"))
    messages, _ = run(ActionClarify(), tracker)
    assert messages[0]["text"] == knowledge.urgent_escalation
    assert knowledge.messages["clarify"] not in [m.get("text") for m in messages]


def test_unsure_with_a_complication_as_best_guess_but_a_mild_account_gets_the_after_effects_answer(knowledge) -> None:
    text = "my forehead is flaking a bit three days after microneedling"
    tracker = make_tracker(text, "nlu_fallback", ranking=_unsure_between("report_complication", "ask_recovery"))
    messages, _ = run(ActionClarify(), tracker)
    assert messages[0]["text"] == knowledge.faqs["ask_after_effects_check"].answer


def _reads_as_after_effects_question(confidence: float) -> list[dict]:
    return [
        {"name": "ask_after_effects_check", "confidence": confidence},
        {"name": "report_complication", "confidence": 1.0 - confidence},
    ]


@pytest.mark.parametrize(
    ("text", "confidence", "after_effects_answer"),
    [
        # Only expected signs tripped the screen, and the classifier is sure of an "is this normal?" question.
        ("Skin looks worse after microneedling - is that normal?", 0.9, True),
        ("Two days after microneedling I've got a few tiny bumps on my cheeks. Is that the healing?", 0.75, True),
        ("Skin looks worse after microneedling - is that normal?", 0.6, True),
        # The classifier is not sure enough to answer anything: the screen's escalation stands.
        ("Skin looks worse after microneedling - is that normal?", 0.45, False),
        # A red flag or a warning sign escalates however sure the classifier is.
        ("a few bumps and a fever since my session, is that normal?", 0.99, False),
        ("bumps and a rash since my session, is that the healing?", 0.99, False),
    ],
)
def test_the_classifier_grades_a_message_that_tripped_only_the_expected_sign_rules(
    knowledge, text: str, confidence: float, after_effects_answer: bool
) -> None:
    tracker = make_tracker(text, "ask_after_effects_check", ranking=_reads_as_after_effects_question(confidence))
    messages, _ = run(ActionAnswerFaq(), tracker)
    texts = [m.get("text") for m in messages]
    if after_effects_answer:
        assert texts[0] == knowledge.faqs["ask_after_effects_check"].answer
        assert knowledge.urgent_escalation not in texts
    else:
        assert texts[0] == knowledge.urgent_escalation
        assert knowledge.faqs["ask_after_effects_check"].answer not in texts


def test_unsure_with_a_complication_as_second_guess_still_asks(knowledge) -> None:
    tracker = make_tracker("peeling", "nlu_fallback", ranking=_unsure_between("ask_recovery", "report_complication"))
    messages, _ = run(ActionClarify(), tracker)
    assert messages[0]["text"] == knowledge.messages["clarify"]


def test_did_you_mean_offers_the_way_to_report_a_problem_when_it_may_be_one(knowledge) -> None:
    """The topics come first, then "I have a problem after treatment", then a person."""
    tracker = make_tracker("peeling", "nlu_fallback", ranking=_unsure_between("ask_recovery", "report_complication"))
    messages, _ = run(ActionClarify(), tracker)
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_recovery", "/report_complication", "/human_handoff"]
    assert messages[0]["buttons"][1]["title"] == knowledge.messages["problem_button"]


def test_did_you_mean_leaves_the_problem_button_out_when_no_problem_is_likely(knowledge) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "ask_recovery", "confidence": 0.45},
        {"name": "ask_aftercare", "confidence": 0.4},
        {"name": "report_complication", "confidence": 0.09},
    ]
    messages, _ = run(ActionClarify(), make_tracker("peeling", "nlu_fallback", ranking=ranking))
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_recovery", "/ask_aftercare", "/human_handoff"]


def test_the_problem_button_brings_the_escalation_advice(knowledge) -> None:
    """Its payload is the intent itself; the text the action reads is the payload, which names no sign."""
    tracker = make_tracker("/report_complication", "report_complication")
    messages, _ = run(ActionEscalateComplication(), tracker)
    assert [m.get("text") for m in messages] == [knowledge.urgent_escalation, knowledge.emergency_escalation]


def test_greeting_and_help_show_the_menu(knowledge) -> None:
    greeting, _ = run(ActionShowMenu(), make_tracker("hello", "greet"))
    help_, _ = run(ActionShowMenu(), make_tracker("what can you do", "help"))
    assert greeting[0]["text"] == knowledge.messages["greeting"]
    assert help_[0]["text"] == knowledge.messages["help"]
    assert len(greeting[0]["buttons"]) == len(knowledge.menu) + 2
    assert knowledge.faqs["ask_devices"].title in greeting[1]["text"]


def test_handoff_and_booking_use_clinic_details(knowledge) -> None:
    handoff, _ = run(ActionHumanHandoff(), make_tracker("can I talk to a person", "human_handoff"))
    booking, _ = run(ActionBookConsultation(), make_tracker("I want to book", "book_consultation"))
    assert knowledge.clinic.phone in handoff[0]["text"] and knowledge.clinic.email in handoff[0]["text"]
    assert knowledge.clinic.booking_url in booking[0]["text"]


def test_are_you_a_bot_is_answered_from_the_knowledge_file_with_the_team_button(knowledge) -> None:
    messages, events = run(ActionBotChallenge(), make_tracker("are you a real person?", "bot_challenge"))
    assert events == []
    assert [m["text"] for m in messages] == [knowledge.messages["bot_challenge"]]
    assert messages[0]["buttons"] == [{"title": knowledge.messages["handoff_button"], "payload": "/human_handoff"}]


def test_a_thumbs_up_is_stored_with_the_topic_and_thanked(knowledge) -> None:
    tracker = make_tracker("/feedback_helpful", "feedback_helpful", slots={"last_topic": "ask_pain"})
    messages, events = run(ActionRecordFeedback(), tracker)
    assert messages[0]["text"] == knowledge.messages["feedback_thanks"]
    assert events == [SlotSet("feedback", {"vote": "up", "topic": "ask_pain"})]


def test_a_thumbs_down_offers_to_rephrase_other_topics_and_the_team(knowledge) -> None:
    """No personal question: the closest other topics of the rated message, then a person."""
    ranking = [{"name": "ask_pain", "confidence": 0.6}, {"name": "ask_needle_size", "confidence": 0.3}]
    rated = {"event": "user", "text": "does it hurt", "parse_data": {"intent_ranking": ranking}}
    tracker = make_tracker(
        "/feedback_not_helpful", "feedback_not_helpful", slots={"last_topic": "ask_pain"}, history=[rated]
    )
    messages, events = run(ActionRecordFeedback(), tracker)
    assert messages[0]["text"] == knowledge.messages["feedback_sorry"] and "rephrase" in messages[0]["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[0] == "/ask_needle_size" and "/ask_pain" not in payloads and payloads[-1] == "/human_handoff"
    assert events == [SlotSet("feedback", {"vote": "down", "topic": "ask_pain"})]
