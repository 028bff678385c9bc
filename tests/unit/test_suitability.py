"""The suitability check: reading answers, prefilling, the result, and the form's validation action."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.guided_forms import (
    ENDED_EARLY_SLOT,
    ActionCostEstimate,
    ActionLeaveGuidedForm,
    ActionSuitabilityResult,
    ValidateCostEstimateForm,
    ValidateSuitabilityForm,
)
from actions.knowledge_loader import KnowledgeFileError, load_knowledge_base
from actions.suitability import Answer, Mention, cautions_mentioned, mentions, read_answer, result
from checks.consistency import guided_form_problems
from tests.conftest import knowledge_copy, run_action
from tests.project_copy import copy_project


def _entity(text: str, phrase: str, value: str, kind: str = "condition") -> dict[str, Any]:
    start = text.lower().index(phrase.lower())
    return {"entity": kind, "value": value, "start": start, "end": start + len(phrase)}


@pytest.mark.parametrize(
    ("text", "phrase", "negated"),
    [
        ("I'm 20 weeks pregnant", "pregnant", False),
        ("I'm not pregnant", "pregnant", True),
        ("no, never had keloids", "keloids", True),
        ("I don't have psoriasis", "psoriasis", True),
        ("no but I have psoriasis", "psoriasis", False),
        ("I'm not sure, but I take warfarin", "warfarin", False),
    ],
)
def test_negation_is_read_within_the_mentions_own_clause(text: str, phrase: str, negated: bool) -> None:
    [found] = mentions(text, [_entity(text, phrase, "x")])
    assert found.negated is negated


def test_answers_from_buttons_words_and_named_conditions(knowledge) -> None:
    pregnancy = next(q for q in knowledge.suitability.questions if q.key == "pregnancy")
    assert read_answer(pregnancy, "affirm", []) is Answer.YES
    assert read_answer(pregnancy, "deny", []) is Answer.NO
    assert read_answer(pregnancy, "answer_unsure", []) is Answer.UNSURE
    assert read_answer(pregnancy, "ask_pain", []) is None
    assert read_answer(pregnancy, "ask_safety", [Mention("pregnancy", False)]) is Answer.YES
    assert read_answer(pregnancy, "deny", [Mention("pregnancy", True)]) is Answer.NO
    assert read_answer(pregnancy, "affirm", [Mention("keloids", False)]) is Answer.YES


def test_earlier_mentions_only_ever_add_cautions(knowledge) -> None:
    check = knowledge.suitability
    slots = cautions_mentioned(check, [Mention("pregnancy", False), Mention("keloids", True), Mention("warts", False)])
    assert slots == {"suitability_pregnancy": Answer.YES}
    assert cautions_mentioned(check, [Mention("raised lesions", False)]) == {"suitability_moles": Answer.YES}


def test_result_never_clears_and_explains_each_caution(knowledge) -> None:
    check = knowledge.suitability
    all_no = {q.slot: "no" for q in check.questions}
    clear = result(check, all_no)
    assert clear.text == check.result_clear and not clear.needs_professional_first
    assert "practitioner confirms" in clear.text

    answers = {**all_no, "suitability_pregnancy": "yes", "suitability_keloids": "yes", "suitability_moles": "unsure"}
    caution = result(check, answers)
    assert caution.needs_professional_first
    assert caution.text.startswith(check.result_caution)
    for key in ("pregnancy", "keloids"):
        question = next(q for q in check.questions if q.key == key)
        assert f"- **{question.label}**: {question.why}" in caution.text
    assert check.result_unsure in caution.text and "- Moles or raised spots in the area" in caution.text
    assert check.result_clear not in caution.text
    assert caution.text.endswith(check.result_caution_closing)

    unsure_only = result(check, {**all_no, "suitability_medication": "unsure"})
    assert unsure_only.text.startswith(check.result_clear) and "Blood thinners or other medication" in unsure_only.text


def _tracker(
    text: str,
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
    after: list[dict[str, Any]] | None = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    events = [*(history or []), {"event": "user", "text": text, "parse_data": latest}, *(after or [])]
    return Tracker("test-user", slots or {}, latest, events, False, None, {}, "action_listen")


def run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return asyncio.run(run_action(action, tracker))


def test_starting_prefills_from_what_was_said_earlier_and_says_so(knowledge) -> None:
    earlier_text = "can I have microneedling? I'm pregnant and not on blood thinners"
    earlier = {
        "event": "user",
        "text": earlier_text,
        "parse_data": {
            "entities": [
                _entity(earlier_text, "pregnant", "pregnancy"),
                _entity(earlier_text, "blood thinners", "blood thinners"),
            ]
        },
    }
    messages, events = run(
        ValidateSuitabilityForm(), _tracker("am I a good candidate?", "check_suitability", history=[earlier])
    )
    check = knowledge.suitability
    assert messages[0]["text"] == check.intro
    assert messages[1]["text"] == check.noted_earlier.format(answers="pregnancy")
    assert messages[2]["text"].startswith("Question 1 of 10:")
    assert [b["payload"] for b in messages[2]["buttons"]] == ["/affirm", "/deny", "/answer_unsure", "/stop"]
    assert SlotSet("suitability_pregnancy", "yes") in events
    assert not any(e["name"] == "suitability_medication" for e in events)  # a "no" is never assumed
    assert SlotSet("requested_slot", "suitability_skin_infection") in events


def test_an_answer_is_stored_and_the_next_question_asked() -> None:
    slots = {"requested_slot": "suitability_pregnancy", "suitability_skin_infection": "no"}
    text = "no but I do have psoriasis"
    tracker = _tracker(text, "deny", [_entity(text, "psoriasis", "psoriasis")], slots)
    messages, events = run(ValidateSuitabilityForm(), tracker)
    assert SlotSet("suitability_pregnancy", "no") in events
    assert SlotSet("suitability_skin_disease", "yes") in events
    assert SlotSet("requested_slot", "suitability_keloids") in events
    assert messages[0]["text"] == "Thank you, I've noted psoriasis or another skin condition for your result."
    assert messages[1]["text"].startswith("Question 2 of 10:")


def test_a_condition_named_for_a_later_question_is_noted_and_the_current_one_asked_again() -> None:
    slots = {"requested_slot": "suitability_moles", "suitability_pregnancy": "no"}
    text = "I am 20 weeks pregnant"
    tracker = _tracker(text, "out_of_scope", [_entity(text, "pregnant", "pregnancy")], slots)
    messages, events = run(ValidateSuitabilityForm(), tracker)
    assert SlotSet("suitability_pregnancy", "yes") in events  # a later "yes" overrides an earlier "no"
    assert SlotSet("requested_slot", "suitability_moles") in events
    assert not any(e["name"] == "suitability_moles" for e in events)
    assert "pregnancy" in messages[0]["text"] and messages[1]["text"].startswith("Question 4 of 10:")


def test_a_question_mid_form_is_left_to_the_rules_and_the_form_resumes_with_an_offer(knowledge) -> None:
    slots = {"requested_slot": "suitability_keloids", "suitability_skin_infection": "no"}
    messages, events = run(ValidateSuitabilityForm(), _tracker("does it hurt?", "ask_pain", slots=slots))
    assert (messages, events) == ([], [])
    answered = [{"event": "action", "name": "action_answer_faq"}, {"event": "bot", "text": "..."}]
    messages, events = run(
        ValidateSuitabilityForm(), _tracker("does it hurt?", "ask_pain", slots=slots, after=answered)
    )
    assert messages[0]["text"].startswith(knowledge.suitability.resume)
    assert "Question 2 of 10:" in messages[0]["text"]
    assert events == [SlotSet("requested_slot", "suitability_keloids")]


def test_an_unreadable_reply_is_asked_again(knowledge) -> None:
    slots = {"requested_slot": "suitability_keloids"}
    messages, events = run(ValidateSuitabilityForm(), _tracker("hmm kinda", "nlu_fallback", slots=slots))
    assert messages[0]["text"].startswith(knowledge.suitability.not_understood)
    assert events == [SlotSet("suitability_keloids", None)]


def test_a_complication_mid_form_is_escalated_and_ends_the_form(knowledge) -> None:
    slots = {"requested_slot": "suitability_keloids"}
    tracker = _tracker("yes and since my last session my face is swollen and I can't breathe", "affirm", slots=slots)
    messages, events = run(ValidateSuitabilityForm(), tracker)
    assert messages[0]["text"] == knowledge.emergency_escalation
    assert SlotSet(ENDED_EARLY_SLOT, True) in events and SlotSet("requested_slot", None) in events
    assert not any(e.get("name") == "suitability_keloids" for e in events)

    answers = {"suitability_keloids": "yes", ENDED_EARLY_SLOT: True}
    messages, events = run(ActionSuitabilityResult(), _tracker("", "affirm", slots=answers))
    assert messages == []  # no result after escalation advice
    assert SlotSet("suitability_keloids", None) in events and SlotSet(ENDED_EARLY_SLOT, False) in events


def test_the_result_is_sent_with_the_handoff_and_the_answers_forgotten(knowledge) -> None:
    answers = {q.slot: "no" for q in knowledge.suitability.questions} | {"suitability_pregnancy": "yes"}
    messages, events = run(ActionSuitabilityResult(), _tracker("no", "deny", slots=answers))
    assert "**Pregnancy**" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == "/human_handoff"
    assert all(SlotSet(slot, None) in events for slot in answers)


def test_stop_says_what_happened_and_forgets(knowledge) -> None:
    deactivated = [{"event": "action", "name": "action_deactivate_loop"}, {"event": "active_loop", "name": None}]
    slots = {"suitability_pregnancy": "yes"}
    messages, events = run(ActionLeaveGuidedForm(), _tracker("stop", "stop", slots=slots, after=deactivated))
    assert messages[0]["text"] == knowledge.messages["form_stopped"]
    assert SlotSet("suitability_pregnancy", None) in events
    messages, _ = run(ActionLeaveGuidedForm(), _tracker("stop", "stop"))
    assert messages[0]["text"] == knowledge.messages["nothing_to_stop"]
    escalated = [{"event": "action", "name": "action_escalate_complication"}, *deactivated]
    messages, _ = run(ActionLeaveGuidedForm(), _tracker("pus!", "report_complication", after=escalated))
    assert messages == []


def test_cost_estimate_uses_a_concern_said_earlier_or_asks_with_buttons(knowledge) -> None:
    earlier_text = "does it work on stretch marks?"
    earlier = {
        "event": "user",
        "text": earlier_text,
        "parse_data": {"entities": [_entity(earlier_text, "stretch marks", "stretch marks", "concern")]},
    }
    messages, events = run(
        ValidateCostEstimateForm(), _tracker("what would a full course cost?", "estimate_cost", history=[earlier])
    )
    assert messages == [] and SlotSet("estimate_concern", "stretch marks") in events

    messages, events = run(ValidateCostEstimateForm(), _tracker("what would a full course cost?", "estimate_cost"))
    assert messages[0]["text"] == knowledge.cost_estimate.ask_concern
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[0] == '/estimate_cost{"concern": "acne scars"}'
    assert payloads[-1] == '/estimate_cost{"concern": "other"}'
    assert SlotSet("requested_slot", "estimate_concern") in events

    asked = {"requested_slot": "estimate_concern"}
    chosen = {"entity": "concern", "value": "wrinkles"}
    _, events = run(ValidateCostEstimateForm(), _tracker("/estimate_cost", "estimate_cost", [chosen], asked))
    assert SlotSet("estimate_concern", "wrinkles") in events
    _, events = run(ValidateCostEstimateForm(), _tracker("no idea", "answer_unsure", slots=asked))
    assert SlotSet("estimate_concern", "other") in events

    messages, events = run(ActionCostEstimate(), _tracker("x", "estimate_cost", slots={"estimate_concern": "wrinkles"}))
    assert "6–10 sessions × $250–$450 = $1,500–$4,500" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == "/book_consultation"
    assert SlotSet("estimate_concern", None) in events


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["suitability_check"]["questions"]["pregnancy"].pop("why"),
            "section 'suitability_check', field 'questions.pregnancy.why' is missing",
        ),
        (
            lambda d: d["suitability_check"].update(question_heading="Question {n}:"),
            "section 'suitability_check', field 'question_heading' uses unknown placeholder {n}",
        ),
        (
            lambda d: d["suitability_check"]["answer_buttons"].pop("unsure"),
            "section 'suitability_check', field 'answer_buttons.unsure' is missing",
        ),
        (
            lambda d: d["suitability_check"].update(offered_under=["ask_candidates"]),
            "section 'suitability_check', field 'offered_under' names unknown topic 'ask_candidates'",
        ),
    ],
)
def test_a_broken_questionnaire_is_refused_naming_the_field(tmp_path, mutate, expected) -> None:
    with pytest.raises(KnowledgeFileError) as raised:
        load_knowledge_base(knowledge_copy(tmp_path, mutate))
    assert expected in str(raised.value)


def test_a_clinic_rewords_the_check_in_the_knowledge_file_alone(tmp_path) -> None:
    def reword(data: dict[str, Any]) -> None:
        data["suitability_check"]["questions"]["pregnancy"]["ask"] = "Are you expecting, {clinic_name}?"
        data["suitability_check"]["answer_buttons"]["yes"] = "Ja"

    check = load_knowledge_base(knowledge_copy(tmp_path, reword)).suitability
    assert check.question("suitability_pregnancy").ask == "Are you expecting, Riverside Skin Clinic?"
    assert check.answer_buttons["yes"] == "Ja"


def test_questions_and_form_slots_must_match(tmp_path) -> None:
    root = copy_project(tmp_path)
    knowledge = root / "knowledge" / "microneedling_faq.yml"
    data = yaml.safe_load(knowledge.read_text(encoding="utf-8"))
    data["suitability_check"]["questions"]["tattoos"] = {"ask": "a", "label": "b", "why": "c", "conditions": ["inked"]}
    knowledge.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    from checks.consistency import ProjectFiles

    problems = guided_form_problems(ProjectFiles(root))
    assert any("asks question 'tattoos', but domain.yml has no slot 'suitability_tattoos'" in p for p in problems)
    assert any("condition 'inked' is not a canonical value" in p for p in problems)


@pytest.mark.parametrize("text", ["never mind", "Nevermind, thanks", "forget it", "cancel", "stop asking"])
def test_leaving_words_end_the_form_whatever_the_intent(knowledge, text) -> None:
    slots = {"requested_slot": "suitability_keloids", "suitability_skin_infection": "yes"}
    messages, events = run(ValidateSuitabilityForm(), _tracker(text, "deny", slots=slots))
    assert [m["text"] for m in messages] == [knowledge.messages["form_stopped"]]
    assert not any(e["name"] == "suitability_keloids" for e in events)  # never recorded as a "no"
    assert SlotSet(ENDED_EARLY_SLOT, True) in events and SlotSet("requested_slot", None) in events
    messages, events = run(
        ValidateCostEstimateForm(), _tracker(text, "deny", slots={"requested_slot": "estimate_concern"})
    )
    assert [m["text"] for m in messages] == [knowledge.messages["form_stopped"]]


@pytest.mark.parametrize("text", ["no", "nope, not me", "I stopped taking them"])
def test_ordinary_answers_are_not_leaving(text) -> None:
    from actions.guided_forms import wants_to_leave

    assert not wants_to_leave(text)
