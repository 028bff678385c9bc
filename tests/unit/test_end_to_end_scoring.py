"""Reading replies back as what the person saw, replaying actions, and the end-to-end figures."""

from __future__ import annotations

import pytest

from actions import answer_builder
from evaluation.action_replay import ActionReplay, rule_actions
from evaluation.answer_metrics import answer_scores
from evaluation.labelled_data import LabelledMessage
from evaluation.reply_outcome import ReplyKind, ReplyOutcome, ReplyReader

FAQS = {"ask_pain", "ask_cost", "ask_recovery"}


def test_reader_names_the_answer_variant_clarification_scope_and_escalation(knowledge) -> None:
    reader = ReplyReader(knowledge)
    pain = knowledge.faqs["ask_pain"]
    assert reader.read([{"text": pain.answer}, {"text": "_disclaimer_"}]) == ReplyOutcome(ReplyKind.ANSWER, "ask_pain")
    variant = pain.variant("needle_length", "1.0 mm")
    caution = knowledge.faqs["ask_contraindications"].variant("condition", "pregnancy")
    assert reader.read([{"text": f"{variant}\n\n{caution}"}]).faq_answer == "ask_pain"
    clarify = {"text": knowledge.messages["clarify"], "buttons": [{"title": "x", "payload": "/ask_cost"}]}
    assert reader.read([clarify]) == ReplyOutcome(ReplyKind.CLARIFY, "ask_cost")
    assert reader.read([{"text": knowledge.messages["out_of_scope"]}]).kind is ReplyKind.OUT_OF_SCOPE
    escalation = [{"text": knowledge.urgent_escalation}, {"text": knowledge.emergency_escalation}]
    assert reader.read(escalation).escalated
    assert reader.read([{"text": knowledge.messages["greeting"]}]).kind is ReplyKind.OTHER
    assert reader.read([]).kind is ReplyKind.OTHER


def test_rules_map_every_faq_intent_to_the_answering_action(knowledge) -> None:
    mapping = rule_actions()
    assert {mapping[intent] for intent in knowledge.faqs} == {"action_answer_faq"}
    assert mapping["report_complication"] == "action_escalate_complication"
    assert mapping["nlu_fallback"] == "action_clarify"


def test_replay_runs_the_real_actions(knowledge) -> None:
    replay = ActionReplay()
    reader = ReplyReader(knowledge)
    pain = {"intent": {"name": "ask_pain", "confidence": 0.9}, "intent_ranking": [], "entities": []}
    assert reader.read(replay.reply("does it hurt", pain)).faq_answer == "ask_pain"
    # The action's complication screen acts whatever the classifier said.
    assert reader.read(replay.reply("I have pus and a fever since my session", pain)).escalated
    ranking = [{"name": "ask_cost", "confidence": 0.4}, {"name": "ask_pain", "confidence": 0.35}]
    unsure = {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "intent_ranking": ranking, "entities": []}
    assert reader.read(replay.reply("hmm", unsure)) == ReplyOutcome(ReplyKind.CLARIFY, "ask_cost")


def test_figures_count_what_each_person_was_shown() -> None:
    answer, clarify = ReplyKind.ANSWER, ReplyKind.CLARIFY
    messages = [
        LabelledMessage("does it hurt", "ask_pain"),
        LabelledMessage("price and downtime?", "ask_cost", also_ok=("ask_recovery",)),  # also_ok answer: right
        LabelledMessage("how long is the redness", "ask_recovery"),  # right topic as first button
        LabelledMessage("how much is it", "ask_cost"),  # the pain answer: wrong
        LabelledMessage("botox price", "out_of_scope", near_miss=True),  # an FAQ answer: wrong, not kept
        LabelledMessage("pus since my session", "report_complication"),
        LabelledMessage("swollen day 2, normal?", "ask_recovery", also_ok=("report_complication",)),
        LabelledMessage("is the redness normal", "ask_recovery"),  # escalated: a false escalation
    ]
    outcomes = [
        ReplyOutcome(answer, "ask_pain"),
        ReplyOutcome(answer, "ask_recovery"),
        ReplyOutcome(clarify, "ask_recovery"),
        ReplyOutcome(answer, "ask_pain"),
        ReplyOutcome(answer, "ask_cost"),
        ReplyOutcome(ReplyKind.ESCALATION),
        ReplyOutcome(ReplyKind.ESCALATION),
        ReplyOutcome(ReplyKind.ESCALATION),
    ]
    scores = answer_scores(messages, outcomes, FAQS)
    assert scores.right_answer == pytest.approx(3 / 6)  # pain, the also_ok answer, the acceptable escalation
    assert scores.right_in_one_click == pytest.approx(4 / 6)
    assert scores.out_of_scope_kept == 0.0
    assert scores.complication_escalated == 1.0
    assert scores.wrong_answer_rate == pytest.approx(2 / 8)
    assert scores.false_escalation_rate == pytest.approx(1 / 6)
    assert scores.per_topic["ask_recovery"] == (1, 3)
    assert ("ask_cost", "ask_pain", 1) in scores.confusions


def test_a_second_likely_topic_leads_the_buttons(knowledge) -> None:
    ranking = [
        {"name": "ask_pain", "confidence": 0.55},
        {"name": "ask_cost", "confidence": 0.3},
        {"name": "ask_safety", "confidence": 0.05},
    ]
    also = answer_builder.also_asked_topics(knowledge, ranking, "ask_pain")
    assert also == ["ask_cost"]
    reply = answer_builder.faq_reply(knowledge, "ask_pain", [], also)
    assert reply.buttons[0]["payload"] == "/ask_cost"
    assert len({b["payload"] for b in reply.buttons}) == len(reply.buttons)
    assert answer_builder.also_asked_topics(knowledge, ranking[:1] + ranking[2:], "ask_pain") == []


@pytest.mark.parametrize(
    ("text", "several"),
    [
        ("how much does microneedling cost and does it hurt?", True),
        ("does it hurt? how much is it?", True),
        ("what's the price, also how long is recovery", True),
        ("does it hurt", False),
        ("does it hurt and bleed?", False),
        ("pain and cost?", False),
    ],
)
def test_a_text_that_reads_as_two_questions_takes_a_less_likely_second_topic(knowledge, text, several) -> None:
    ranking = [{"name": "ask_cost", "confidence": 0.91}, {"name": "ask_pain", "confidence": 0.08}]
    assert answer_builder.reads_as_several_questions(text) is several
    assert answer_builder.also_asked_topics(knowledge, ranking, "ask_cost", text) == (["ask_pain"] if several else [])


def test_guided_conversations_count_as_their_topics_answer(knowledge) -> None:
    """Starting the suitability check answers "who should avoid it"; the estimate answers "cost"."""
    reader = ReplyReader(knowledge)
    replay = ActionReplay()
    assert rule_actions()["check_suitability"] == "suitability_form"
    candidate = {"intent": {"name": "check_suitability", "confidence": 0.9}, "intent_ranking": [], "entities": []}
    started = replay.reply("am I a good candidate?", candidate)
    assert started[0]["text"] == knowledge.suitability.intro
    assert reader.read(started) == ReplyOutcome(ReplyKind.ANSWER, "ask_contraindications")
    concern = [{"entity": "concern", "value": "acne scars", "start": 30, "end": 40}]
    estimate = {"intent": {"name": "estimate_cost", "confidence": 0.9}, "intent_ranking": [], "entities": concern}
    replied = replay.reply("how much would it cost for my acne scars?", estimate)
    assert replied[0]["text"].startswith("Here's a rough estimate for acne scars")  # form done: the result action ran
    assert reader.read(replied).faq_answer == "ask_cost"
    no_concern = {**estimate, "entities": []}
    assert reader.read(replay.reply("estimate my cost", no_concern)).faq_answer == "ask_cost"
    complication = replay.reply("am I a good candidate? I have pus since my session", candidate)
    assert reader.read(complication).escalated
