"""The two guided conversations (Rasa forms): the suitability check and the cost estimate.

Each form has one validation action that does everything a turn needs: it screens
the message for a complication (escalate and end the form), reads the answer,
prefills from what the person already said, and asks the next question in the
clinic's words with buttons. Asking from the validation action, rather than from
one ``action_ask_<slot>`` per question, keeps the questions in the knowledge file
alone. A message that answers nothing returns no events, so Rasa rejects the form
for that turn and the rules in data/rules/guided_forms.yml answer it (an FAQ
question, "stop", the menu...) before the form offers to continue.

The answers live only in the form's slots, are cleared when the form ends, and are
never logged.
"""

from __future__ import annotations

import abc
import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answer_builder, cost_estimate, suitability
from actions.actions import send_escalation
from actions.conversation_context import FALLBACK_INTENT, latest_text
from actions.knowledge_loader import default_knowledge_base
from actions.knowledge_model import COST_ESTIMATE_INTENT, SUITABILITY_INTENT, KnowledgeBase
from text_screens.complication_screen import Urgency, complication_urgency

SUITABILITY_FORM = "suitability_form"
COST_ESTIMATE_FORM = "cost_estimate_form"
CONCERN_SLOT = "estimate_concern"
ENDED_EARLY_SLOT = "form_ended_early"
REQUESTED_SLOT = "requested_slot"
DEACTIVATE_LOOP = "action_deactivate_loop"
# Actions that run inside a form's own turn; anything else after the latest
# message means the form was interrupted (an FAQ answered) and is now resuming.
_FORM_TURN_ACTIONS = {"action_listen", "action_extract_slots"}
# Replies to "what would you like treated?" that name no concern: asked again.
_NOT_A_CONCERN = {FALLBACK_INTENT, COST_ESTIMATE_INTENT, suitability.AFFIRM_INTENT, suitability.DENY_INTENT}
ESCALATION_ACTION = "action_escalate_complication"
# Leaving, however the classifier read it: "never mind" also reads as a "no", and a
# "no" recorded for someone who meant to leave would be wrong.
_LEAVING = re.compile(r"^\W*(never\s*mind|forget (it|about it)|stop|cancel|quit|exit|abort)\b", re.IGNORECASE)


def _events_since_latest_user_message(tracker: Tracker) -> list[dict[str, Any]]:
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "user":
            return events[index + 1 :]
    return events


def is_resuming(tracker: Tracker, form: str) -> bool:
    """Did another action answer the latest message before the form came back?"""
    ran = {event.get("name") for event in _events_since_latest_user_message(tracker) if event.get("event") == "action"}
    return bool(ran - _FORM_TURN_ACTIONS - {form, f"validate_{form}"})


def user_messages(tracker: Tracker) -> Iterable[dict[str, Any]]:
    """The parse data of every user message in this conversation session, oldest first."""
    for event in tracker.events:
        if event.get("event") == "user":
            yield {"text": event.get("text") or "", **(event.get("parse_data") or {})}


def _end_early(
    dispatcher: CollectingDispatcher, knowledge: KnowledgeBase, urgency: Urgency, text: str
) -> list[EventType]:
    """A complication mid-form: escalation advice at once, and the form ends (its result says nothing)."""
    send_escalation(dispatcher, knowledge, urgency, text)
    return _ended_early()


def _leave(dispatcher: CollectingDispatcher, knowledge: KnowledgeBase) -> list[EventType]:
    """ "Never mind" mid-form: said to be stopped; the result action then forgets the answers."""
    dispatcher.utter_message(text=knowledge.messages["form_stopped"])
    return _ended_early()


def _ended_early() -> list[EventType]:
    """The form stops now without a result; its result action only forgets the answers."""
    return [SlotSet(ENDED_EARLY_SLOT, True), SlotSet(REQUESTED_SLOT, None)]


def wants_to_leave(text: str) -> bool:
    """Does the message start with a way of saying "stop" ("never mind", "cancel", "forget it")?"""
    return bool(_LEAVING.match(text or ""))


def _clear(slots: Iterable[str]) -> list[EventType]:
    return [SlotSet(slot, None) for slot in slots] + [SlotSet(ENDED_EARLY_SLOT, False)]


class Turn(enum.Enum):
    """Why a form's validation action runs."""

    STARTING = "starting"  # the form has just been activated
    RESUMING = "resuming"  # another action answered the latest message; the form offers to carry on
    ANSWERING = "answering"  # the latest message may answer the requested slot


class GuidedFormValidation(FormValidationAction, abc.ABC):
    """The steps every guided form's turn shares, before the form's own reading of the message.

    A message the form is to read is screened first: a complication ends the form with
    escalation advice, a way of saying "stop" ends it quietly. A resumed turn's message
    was already handled by the action that answered it.
    """

    form: str

    def name(self) -> str:
        return f"validate_{self.form}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        knowledge = default_knowledge_base()
        if tracker.get_slot(REQUESTED_SLOT) is None:
            turn = Turn.STARTING
        else:
            turn = Turn.RESUMING if is_resuming(tracker, self.form) else Turn.ANSWERING
        text = latest_text(tracker)
        if turn is not Turn.RESUMING:
            urgency = complication_urgency(text)
            if urgency is not Urgency.NONE:
                return _end_early(dispatcher, knowledge, urgency, text)
        if turn is Turn.ANSWERING and wants_to_leave(text):
            return _leave(dispatcher, knowledge)
        return self.take_turn(dispatcher, tracker, knowledge, turn)

    @abc.abstractmethod
    def take_turn(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: KnowledgeBase, turn: Turn
    ) -> list[EventType]:
        """The form's own step once the message passed the screens."""


class ValidateSuitabilityForm(GuidedFormValidation):
    """One turn of the suitability check: read the answer, prefill, ask the next question."""

    form = SUITABILITY_FORM

    def take_turn(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: KnowledgeBase, turn: Turn
    ) -> list[EventType]:
        check = knowledge.suitability
        requested = tracker.get_slot(REQUESTED_SLOT)
        starting, resuming = turn is Turn.STARTING, turn is Turn.RESUMING
        answers = {q.slot: tracker.get_slot(q.slot) for q in check.questions}
        new: dict[str, suitability.Answer] = {}
        if starting:
            for message in user_messages(tracker):
                found = suitability.mentions(message["text"], message.get("entities") or [])
                new.update(suitability.cautions_mentioned(check, found))
        elif not resuming:
            message = tracker.latest_message
            found = suitability.mentions(latest_text(tracker), message.get("entities") or [])
            question = check.question(requested)
            intent = (message.get("intent") or {}).get("name")
            answer = suitability.read_answer(question, intent, found) if question else None
            if answer is None and intent in (FALLBACK_INTENT, SUITABILITY_INTENT) and question is not None:
                # Unreadable ("hmm", "kinda"): ask again; un-setting the slot keeps the form in charge.
                text = f"{check.not_understood}\n\n{suitability.question_text(check, question)}"
                dispatcher.utter_message(text=text, buttons=suitability.answer_buttons(check))
                return [SlotSet(requested, None)]
            # Conditions named for other questions are noted as a "yes", even over an earlier "no".
            cautions = {
                slot: caution
                for slot, caution in suitability.cautions_mentioned(check, found).items()
                if slot != requested and answers.get(slot) != caution.value
            }
            if answer is None and not cautions:
                return []  # not an answer: Rasa rejects the form for this turn and the rules take over
            if answer is not None:
                new[requested] = answer
            new.update(cautions)
            noted = suitability.noted_line(check, cautions, check.noted_now)
            if noted:
                dispatcher.utter_message(text=noted)

        answers.update({slot: answer.value for slot, answer in new.items()})
        events: list[EventType] = [SlotSet(slot, answer.value) for slot, answer in new.items()]
        if starting:
            dispatcher.utter_message(text=check.intro)
            noted = suitability.noted_line(check, new, check.noted_earlier)
            if noted:
                dispatcher.utter_message(text=noted)
        # The question still waiting for its answer is asked again; else the next one.
        question = check.question(requested) if requested and answers.get(requested) is None else None
        question = question or suitability.next_question(check, answers)
        if question is None:
            return [*events, SlotSet(REQUESTED_SLOT, None)]
        text = suitability.question_text(check, question)
        if resuming:
            text = f"{check.resume}\n\n{text}"
        dispatcher.utter_message(text=text, buttons=suitability.answer_buttons(check))
        return [*events, SlotSet(REQUESTED_SLOT, question.slot)]


class ActionSuitabilityResult(Action):
    """The check's outcome, then every answer is forgotten."""

    def name(self) -> str:
        return "action_suitability_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        knowledge = default_knowledge_base()
        check = knowledge.suitability
        slots = [q.slot for q in check.questions]
        if not tracker.get_slot(ENDED_EARLY_SLOT):
            outcome = suitability.result(check, {slot: tracker.get_slot(slot) for slot in slots})
            buttons = (
                [answer_builder.handoff_button(knowledge), answer_builder.booking_button(knowledge)]
                if outcome.needs_professional_first
                else [answer_builder.booking_button(knowledge), answer_builder.handoff_button(knowledge)]
            )
            dispatcher.utter_message(text=outcome.text, buttons=buttons)
        return _clear(slots)


def _concern_in(entities: Iterable[Mapping[str, Any]]) -> str | None:
    return next((str(e.get("value")) for e in entities if e.get("entity") == "concern"), None)


def concern_buttons(knowledge: KnowledgeBase) -> list[dict[str, str]]:
    """The clinic's listed concerns, then "Something else"; each starts or answers the estimate."""
    values = [*knowledge.cost_estimate.concerns, cost_estimate.OTHER_CONCERN]
    titles = [*knowledge.cost_estimate.concerns.values(), knowledge.cost_estimate.other_concern_button]
    return [
        {"title": title, "payload": f'/{COST_ESTIMATE_INTENT}{{"concern": "{value}"}}'}
        for title, value in zip(titles, values, strict=True)
    ]


class ValidateCostEstimateForm(GuidedFormValidation):
    """One turn of the cost estimate: the concern from the conversation, or asked with buttons."""

    form = COST_ESTIMATE_FORM

    def take_turn(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: KnowledgeBase, turn: Turn
    ) -> list[EventType]:
        starting, resuming = turn is Turn.STARTING, turn is Turn.RESUMING
        concern = None
        if starting:
            for message in reversed(list(user_messages(tracker))):
                concern = _concern_in(message.get("entities") or [])
                if concern:
                    break
        elif not resuming:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            concern = _concern_in(tracker.latest_message.get("entities") or [])
            if concern is None and intent == suitability.UNSURE_INTENT:
                concern = cost_estimate.OTHER_CONCERN
            if concern is None and intent in _NOT_A_CONCERN:
                text = f"{knowledge.suitability.not_understood}\n\n{knowledge.cost_estimate.ask_concern}"
                dispatcher.utter_message(text=text, buttons=concern_buttons(knowledge))
                return [SlotSet(CONCERN_SLOT, None)]
            if concern is None:
                return []  # not an answer: the rules take over, then the form asks again
        if concern:
            return [SlotSet(CONCERN_SLOT, concern), SlotSet(REQUESTED_SLOT, None)]
        text = knowledge.cost_estimate.ask_concern
        if resuming:
            text = f"{knowledge.cost_estimate.resume}\n\n{text}"
        dispatcher.utter_message(text=text, buttons=concern_buttons(knowledge))
        return [SlotSet(REQUESTED_SLOT, CONCERN_SLOT)]


class ActionCostEstimate(Action):
    """The estimate with its arithmetic, then the concern is forgotten."""

    def name(self) -> str:
        return "action_cost_estimate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        concern = tracker.get_slot(CONCERN_SLOT)
        if concern and not tracker.get_slot(ENDED_EARLY_SLOT):
            knowledge = default_knowledge_base()
            reply = cost_estimate.estimate(knowledge, str(concern))
            buttons = [answer_builder.booking_button(knowledge), answer_builder.topic_button(knowledge, "ask_sessions")]
            dispatcher.utter_message(text=reply.text, buttons=[*buttons, answer_builder.handoff_button(knowledge)])
        return _clear([CONCERN_SLOT])


class ActionLeaveGuidedForm(Action):
    """ "Stop" or "never mind": the form (if any) has ended; forget its answers and say so."""

    def name(self) -> str:
        return "action_leave_guided_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        knowledge = default_knowledge_base()
        check = knowledge.suitability
        this_turn = {e.get("name") for e in _events_since_latest_user_message(tracker) if e.get("event") == "action"}
        if ESCALATION_ACTION not in this_turn:  # after escalation advice, nothing more is said
            left_a_form = DEACTIVATE_LOOP in this_turn
            dispatcher.utter_message(text=knowledge.messages["form_stopped" if left_a_form else "nothing_to_stop"])
        return _clear([*(q.slot for q in check.questions), CONCERN_SLOT])
