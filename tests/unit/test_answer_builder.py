"""Which answer, which variant and which buttons a turn gets."""

from __future__ import annotations

import json

from actions.answer_builder import (
    clarification_buttons,
    faq_reply,
    follow_up_buttons,
    menu_buttons,
    resolve_topic,
)


def test_general_answer_without_entities(knowledge) -> None:
    reply = faq_reply(knowledge, "ask_pain", [])
    assert reply.text == knowledge.faqs["ask_pain"].answer
    follow_ups = [f"/{t}" for t in knowledge.faqs["ask_pain"].follow_ups]
    assert [b["payload"] for b in reply.buttons] == [*follow_ups, "/feedback_helpful", "/feedback_not_helpful"]
    assert all(b["title"] == knowledge.faqs[b["payload"][1:]].title for b in reply.buttons[: len(follow_ups)])


def test_needle_length_changes_the_pain_answer(knowledge) -> None:
    half = faq_reply(knowledge, "ask_pain", [("needle_length", "0.5 mm")]).text
    one = faq_reply(knowledge, "ask_pain", [("needle_length", "1.0 mm")]).text
    assert half == knowledge.faqs["ask_pain"].variant("needle_length", "0.5 mm")
    assert one == knowledge.faqs["ask_pain"].variant("needle_length", "1.0 mm")
    assert "numbing cream usually isn't needed" in half
    assert "necessary" in one


def test_length_without_a_variant_says_so_instead_of_guessing(knowledge) -> None:
    text = faq_reply(knowledge, "ask_pain", [("needle_length", "0.25 mm")]).text
    assert text.startswith(knowledge.faqs["ask_pain"].answer)
    assert "no details specific to 0.25 mm" in text


def test_condition_under_another_topic_adds_its_caution(knowledge) -> None:
    text = faq_reply(knowledge, "ask_pain", [("condition", "pregnancy")]).text
    caution = knowledge.faqs["ask_contraindications"].variant("condition", "pregnancy")
    assert knowledge.faqs["ask_pain"].answer in text
    assert caution in text


def test_two_conditions_give_both_variants(knowledge) -> None:
    text = faq_reply(
        knowledge, "ask_contraindications", [("condition", "keloids"), ("condition", "blood thinners")]
    ).text
    entry = knowledge.faqs["ask_contraindications"]
    assert entry.variant("condition", "keloids") in text
    assert entry.variant("condition", "blood thinners") in text


def test_follow_up_buttons_carry_entities_the_next_topic_can_use(knowledge) -> None:
    entry = knowledge.faqs["ask_pain"]
    buttons = follow_up_buttons(knowledge, entry, [("needle_length", "1.0 mm"), ("body_area", "face")])
    recovery = next(b for b in buttons if b["payload"].startswith("/ask_recovery"))
    assert json.loads(recovery["payload"][len("/ask_recovery") :]) == {"needle_length": "1.0 mm"}
    procedure = next(b for b in buttons if b["payload"].startswith("/ask_procedure"))
    assert procedure["payload"] == "/ask_procedure"


def test_follow_up_question_returns_to_the_last_topic(knowledge) -> None:
    entities = [("needle_length", "1.0 mm")]
    assert (
        resolve_topic(knowledge, "ask_needle_size", entities, "ask_pain", "and what about 1 mm needles?") == "ask_pain"
    )
    assert resolve_topic(
        knowledge, "ask_needle_size", entities, "ask_pain", "which needle length do you use, 1mm?"
    ) == ("ask_needle_size")
    # the last topic has nothing on concerns: keep the classifier's topic
    assert resolve_topic(
        knowledge, "ask_benefits", [("concern", "stretch marks")], "ask_pain", "what about stretch marks?"
    ) == ("ask_benefits")
    assert resolve_topic(knowledge, "greet", [], None, "hi") is None


def test_clarification_offers_top_faq_topics_only(knowledge) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "ask_recovery", "confidence": 0.41},
        {"name": "greet", "confidence": 0.3},
        {"name": "ask_aftercare", "confidence": 0.38},
        {"name": "ask_results", "confidence": 0.12},
        {"name": "ask_cost", "confidence": 0.11},
    ]
    buttons = clarification_buttons(knowledge, ranking)
    assert [b["payload"] for b in buttons] == ["/ask_recovery", "/ask_aftercare", "/ask_results"]


def test_clarification_ignores_unlikely_topics(knowledge) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "ask_cost", "confidence": 0.04}]
    assert clarification_buttons(knowledge, ranking) == []


def test_menu_offers_popular_topics_booking_and_a_person(knowledge) -> None:
    payloads = [b["payload"] for b in menu_buttons(knowledge)]
    assert payloads[: len(knowledge.menu)] == [f"/{t}" for t in knowledge.menu]
    assert payloads[-2:] == ["/book_consultation", "/human_handoff"]
