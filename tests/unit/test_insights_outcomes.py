"""What a turn counts as: what the person was shown decides before the action's name does."""

from __future__ import annotations

import pytest

from insights.conversations import Outcome, ReplyTexts, _OpenTurn, channel_of, outcome_of


@pytest.fixture(scope="module")
def replies(knowledge) -> ReplyTexts:
    return ReplyTexts.from_knowledge(knowledge)


def turn(intent: str, actions: set[str], shown: list[str], topic: str | None = None) -> _OpenTurn:
    return _OpenTurn("2026-01-05", "rest", "text", intent, actions, shown, topic)


def test_screens_inside_actions_are_read_from_what_was_shown(knowledge, replies: ReplyTexts) -> None:
    # The complication screen inside the FAQ action: escalation, not an answer.
    faq_escalated = turn("ask_recovery", {"action_answer_faq"}, [knowledge.urgent_escalation])
    assert outcome_of(faq_escalated, replies) == (Outcome.ESCALATION, None)
    # action_clarify that resolved a follow-up answered it (it set last_topic).
    clarify_answered = turn("nlu_fallback", {"action_clarify"}, [knowledge.faqs["ask_pain"].answer], "ask_pain")
    assert outcome_of(clarify_answered, replies) == (Outcome.ANSWERED, "ask_pain")
    # Emoji or another language: the input screen's menu, not a question to add to the knowledge file.
    emoji = turn("nlu_fallback", {"action_clarify"}, [knowledge.messages["no_words"]])
    assert outcome_of(emoji, replies) == (Outcome.OTHER, None)
    again = turn("nlu_fallback", {"action_clarify"}, [knowledge.messages["clarify_again"]])
    assert outcome_of(again, replies) == (Outcome.DID_YOU_MEAN, None)
    # The help menu from the FAQ action (no topic resolved) is not an answer.
    menu = turn("ask_pain", {"action_answer_faq"}, [knowledge.messages["help"]])
    assert outcome_of(menu, replies) == (Outcome.OTHER, None)


def test_action_names_decide_when_the_texts_have_changed_since(replies: ReplyTexts) -> None:
    """An older conversation, shown texts the knowledge file no longer has."""
    assert outcome_of(turn("x", {"action_out_of_scope"}, ["old scope text"]), replies)[0] is Outcome.OUT_OF_SCOPE
    assert outcome_of(turn("x", {"action_clarify"}, ["old clarify text"]), replies)[0] is Outcome.DID_YOU_MEAN
    assert outcome_of(turn("x", {"action_escalate_complication"}, ["old"]), replies)[0] is Outcome.ESCALATION
    assert outcome_of(turn("ask_cost", {"action_answer_faq"}, ["old answer"]), replies) == (
        Outcome.ANSWERED,
        "ask_cost",
    )
    assert outcome_of(turn("greet", {"utter_greet"}, ["hello"]), replies)[0] is Outcome.OTHER


@pytest.mark.parametrize(
    ("data", "sender", "channel"),
    [
        ({"input_channel": "rest"}, "telegram-1", "rest"),
        ({"input_channel": None}, "telegram-123", "telegram"),
        ({}, "whatsapp-3fa9", "whatsapp"),
        ({}, "visitor-1", "unknown"),
    ],
)
def test_channel_from_the_event_else_the_sender_prefix(data: dict, sender: str, channel: str) -> None:
    assert channel_of(data, sender) == channel


def test_the_assistants_rating_click_is_not_a_question_and_counts_once() -> None:
    """The click (/feedback_not_helpful) is skipped as a question; its vote comes from the slot the action sets."""
    from insights.feedback import Vote, is_feedback_message, vote_in_slot_event, vote_in_user_event

    click = {"text": "/feedback_not_helpful", "parse_data": {"intent": {"name": "feedback_not_helpful"}}}
    assert is_feedback_message(click)
    assert vote_in_user_event(click) is None
    slot = {"name": "feedback", "value": {"vote": "down", "topic": "ask_pain"}}
    assert vote_in_slot_event(slot) == Vote("down", "ask_pain")
