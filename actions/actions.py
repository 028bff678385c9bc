"""Custom actions of the microneedling FAQ assistant.

Each action is thin: it reads the tracker, asks the pure modules what to say
(answer_builder, complication_screen, message_screen) and dispatches it. Every text a
clinic may curate (answers, clinic details, the conversational messages around
them) comes from the knowledge file; the domain keeps only the small talk its
rules send directly.
"""

from __future__ import annotations

import abc
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answer_builder
from actions.conversation_context import (
    FALLBACK_INTENT,
    intent_ranking,
    latest_entities,
    latest_text,
    previous_user_intent,
    previous_user_ranking,
)
from actions.knowledge_loader import default_knowledge_base
from actions.knowledge_model import KnowledgeBase
from text_screens.complication_screen import (
    Urgency,
    about_another_treatment,
    calm_after_effect_question,
    complication_urgency,
    escalates_on_expected_signs_only,
    mild_expected_effects_report,
)
from text_screens.message_screen import InputProblem, screen_message
from text_screens.treatment_scope import compared_treatment_topic, only_about_another_treatment

LAST_TOPIC_SLOT = "last_topic"
AFTER_EFFECTS_TOPIC = "ask_after_effects_check"
COMPLICATION_INTENT = answer_builder.COMPLICATION_INTENT
# How sure the classifier must be of an after-effects question to answer one that only tripped the
# screen's expected-sign rules: as sure as it must be for any answer (config.yml's FallbackClassifier
# threshold, 0.5). Blind-written validation set, end to end (2026-12-02): 0.5 and 0.7 both took false
# alarms 32 -> 24 of 1,774 (0.9: 27), catching the same 130 of 140 reports, and 0.7 was kept first.
# After that release's after-effect examples, the real-world validation set's aggregates told them apart:
# 0.5 gave 24 false alarms of 262 against 25, one right answer more, the same 17 of 23 reports (0.4: 23
# false alarms; not taken, as it would trust a guess the assistant would not answer with). The blind-written
# and development sets were the same at 0.4, 0.5 and 0.7.
AFTER_EFFECTS_QUESTION_CONFIDENCE = 0.5
OUT_OF_SCOPE_INTENT = "out_of_scope"
FEEDBACK_SLOT = "feedback"
DISCLAIMER_SLOT = "disclaimer_shown"
_PROBLEM_MESSAGES = {
    InputProblem.EMPTY: "empty_message",
    InputProblem.NO_WORDS: "no_words",
    InputProblem.NOT_ENGLISH: "english_only",
}


def send_escalation(
    dispatcher: CollectingDispatcher, knowledge: KnowledgeBase, urgency: Urgency, text: str = ""
) -> list[EventType]:
    """Escalation advice, emergency first when the signs are severe. Never an FAQ answer.

    A problem after another treatment (a peel, a filler) named without microneedling gets the
    scope message's safety variant: check it with whoever treated you or a doctor, and the
    emergency number; severe signs always get the full emergency advice.
    """
    if urgency is Urgency.URGENT and about_another_treatment(text):
        dispatcher.utter_message(
            text=knowledge.messages["other_treatment_problem"], buttons=[answer_builder.handoff_button(knowledge)]
        )
        return [SlotSet(LAST_TOPIC_SLOT, None)]
    messages = [knowledge.urgent_escalation, knowledge.emergency_escalation]
    if urgency is Urgency.EMERGENCY:
        messages.reverse()
    buttons = [answer_builder.handoff_button(knowledge)]
    if urgency is Urgency.URGENT and names_no_warning_sign(text) and knowledge.faq(AFTER_EFFECTS_TOPIC):
        buttons.append(answer_builder.topic_button(knowledge, AFTER_EFFECTS_TOPIC))
    dispatcher.utter_message(text=messages[0])
    dispatcher.utter_message(text=messages[1], buttons=buttons)
    return [SlotSet(LAST_TOPIC_SLOT, None)]


def names_no_warning_sign(text: str) -> bool:
    """The escalation rests on the classifier's reading, or on signs the seeds call expected, and nothing more.

    Then the message may well be a calm "is this normal?" told in words the classifier took
    for a report (most of the false alarms on real people's words are). The escalation
    advice stays, first; the after-effects answer is offered one click away, and it lists the
    warning signs and the clinic's phone itself, so a real problem clicked through is sent
    back to the clinic. A red flag, a warning sign, harm or an emergency sign gets no such offer.
    """
    return complication_urgency(text) is Urgency.NONE or escalates_on_expected_signs_only(text)


def respond_to_reported_problem(
    dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: KnowledgeBase, text: str
) -> list[EventType]:
    """Read as a complication report: escalate, unless it is a calm question or a mild account of expected effects.

    Those get the after-effects answer (the expected effects, the warning signs to watch for and
    the clinic's phone), not an alarm; anything else gets the escalation advice.
    """
    urgency = complication_urgency(text)
    calm = calm_after_effect_question(text) or mild_expected_effects_report(text)
    if urgency is Urgency.NONE and calm and knowledge.faq(AFTER_EFFECTS_TOPIC):
        return answer_topic(dispatcher, tracker, knowledge, AFTER_EFFECTS_TOPIC)
    return send_escalation(dispatcher, knowledge, Urgency.URGENT if urgency is Urgency.NONE else urgency, text)


def classifier_reads_after_effects_question(tracker: Tracker, text: str) -> bool:
    """Only expected signs tripped the screen, and the classifier reads an "is this normal?" question.

    Words alone cannot tell "a few tiny bumps two days after my session, is that the
    healing?" from a worried report; the classifier, trained on both, can. It decides
    only those messages: any red flag, warning sign, complaint or emergency sign keeps
    the escalation. And the after-effects answer itself names the warning signs and the
    clinic's phone, so a wrong reading still tells the person what to watch for and whom
    to call.
    """
    guess = answer_builder.likeliest_guess(intent_ranking(tracker))
    confident = guess is not None and guess[0] == AFTER_EFFECTS_TOPIC and guess[1] >= AFTER_EFFECTS_QUESTION_CONFIDENCE
    return confident and escalates_on_expected_signs_only(text)


def comparison_topic(knowledge: KnowledgeBase, text: str) -> str | None:
    """The laser or peel comparison topic the text asks about, when the knowledge file answers it."""
    topic = compared_treatment_topic(text)
    return topic if topic is not None and knowledge.faq(topic) else None


def send_menu(dispatcher: CollectingDispatcher, knowledge: KnowledgeBase, intro: str) -> None:
    """An intro message with the topic menu as buttons, and the other topics named."""
    dispatcher.utter_message(text=knowledge.messages[intro], buttons=answer_builder.menu_buttons(knowledge))
    more = answer_builder.other_topics_line(knowledge)
    if more:
        dispatcher.utter_message(text=more)


class ScreenedAction(Action, abc.ABC):
    """An action that first screens the message for complications and bad input.

    Applies to every action that might otherwise put an FAQ answer (or a guess)
    in front of someone who is describing a problem or typed nothing usable. The one
    exception to the screen's escalation: a message that tripped only its expected-sign
    rules and that the classifier reads as an "is this normal?" question gets the
    after-effects answer (``classifier_reads_after_effects_question``).
    """

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        knowledge = default_knowledge_base()
        text = latest_text(tracker)
        urgency = complication_urgency(text)
        if urgency is not Urgency.NONE:
            if classifier_reads_after_effects_question(tracker, text) and knowledge.faq(AFTER_EFFECTS_TOPIC):
                return answer_topic(dispatcher, tracker, knowledge, AFTER_EFFECTS_TOPIC)
            return send_escalation(dispatcher, knowledge, urgency, text)
        problem = screen_message(text)
        if problem is not InputProblem.NONE:
            send_menu(dispatcher, knowledge, _PROBLEM_MESSAGES[problem])
            return []
        return self.respond(dispatcher, tracker, knowledge)

    @abc.abstractmethod
    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: KnowledgeBase) -> list[EventType]:
        """What to do once the message passed the screens."""


def answer_topic(
    dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: KnowledgeBase, topic: str
) -> list[EventType]:
    """Send the FAQ answer for a topic, with the disclaimer once per conversation."""
    also_asked = answer_builder.also_asked_topics(knowledge, intent_ranking(tracker), topic, latest_text(tracker))
    reply = answer_builder.faq_reply(knowledge, topic, latest_entities(tracker), also_asked)
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
    events: list[EventType] = [SlotSet(LAST_TOPIC_SLOT, topic)]
    if not tracker.get_slot(DISCLAIMER_SLOT):
        dispatcher.utter_message(text=f"_{knowledge.disclaimer}_")
        events.append(SlotSet(DISCLAIMER_SLOT, True))
    return events


def contextual_topic(tracker: Tracker, knowledge: KnowledgeBase, predicted: str | None) -> str | None:
    """The topic to answer, taking a follow-up on the last topic into account."""
    return answer_builder.resolve_topic(
        knowledge,
        predicted,
        latest_entities(tracker),
        tracker.get_slot(LAST_TOPIC_SLOT),
        latest_text(tracker),
    )


class ActionAnswerFaq(ScreenedAction):
    """Answer any FAQ intent from the knowledge file."""

    def name(self) -> str:
        return "action_answer_faq"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: KnowledgeBase) -> list[EventType]:
        predicted = (tracker.latest_message.get("intent") or {}).get("name")
        topic = contextual_topic(tracker, knowledge, predicted)
        if topic is not None and only_about_another_treatment(latest_text(tracker), topic):
            # "Is this normal after my TCA peel?", "how many sessions to remove my tattoo?":
            # not a microneedling question, whatever topic it resembles.
            send_menu(dispatcher, knowledge, "out_of_scope")
            return [SlotSet(LAST_TOPIC_SLOT, None)]
        if topic is None:
            send_menu(dispatcher, knowledge, "help")
            return []
        return answer_topic(dispatcher, tracker, knowledge, topic)


class ActionClarify(ScreenedAction):
    """Low confidence or two close intents: "Did you mean ...?", then the menu and a person."""

    def name(self) -> str:
        return "action_clarify"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: KnowledgeBase) -> list[EventType]:
        if answer_builder.likeliest_intent(intent_ranking(tracker)) == COMPLICATION_INTENT:
            # Unsure, but a complication report is the best guess: safety first, never a menu of FAQs.
            return respond_to_reported_problem(dispatcher, tracker, knowledge, latest_text(tracker))
        topic = contextual_topic(tracker, knowledge, None) or answer_builder.same_topic_hesitation(
            knowledge, intent_ranking(tracker)
        )
        if topic is None and answer_builder.likeliest_intent(intent_ranking(tracker)) == OUT_OF_SCOPE_INTENT:
            # Unsure, best guess out of scope, but the text compares microneedling with a laser or a peel.
            topic = comparison_topic(knowledge, latest_text(tracker))
        if topic is not None:
            return answer_topic(dispatcher, tracker, knowledge, topic)
        buttons = answer_builder.clarification_buttons(knowledge, intent_ranking(tracker))
        if previous_user_intent(tracker) == FALLBACK_INTENT or not buttons:
            send_menu(dispatcher, knowledge, "clarify_again")
            return []
        dispatcher.utter_message(
            text=knowledge.messages["clarify"], buttons=[*buttons, answer_builder.handoff_button(knowledge)]
        )
        return []


class ActionOutOfScope(ScreenedAction):
    """Politely say what the assistant covers, and show the menu."""

    def name(self) -> str:
        return "action_out_of_scope"

    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, knowledge: KnowledgeBase) -> list[EventType]:
        comparison = comparison_topic(knowledge, latest_text(tracker))
        if comparison is not None:
            # "IPL or microneedling for sun damage?": the other treatment's name read as out of scope,
            # but a comparison with microneedling is what that answer is for.
            return answer_topic(dispatcher, tracker, knowledge, comparison)
        send_menu(dispatcher, knowledge, "out_of_scope")
        return [SlotSet(LAST_TOPIC_SLOT, None)]


class ActionShowMenu(Action):
    """Greeting or help: the topic menu, introduced to suit the intent."""

    def name(self) -> str:
        return "action_show_menu"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        send_menu(dispatcher, default_knowledge_base(), "greeting" if intent == "greet" else "help")
        return []


class ActionEscalateComplication(Action):
    """Someone describes a problem after treatment: escalation advice, or the after-effects answer when calm."""

    def name(self) -> str:
        return "action_escalate_complication"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        return respond_to_reported_problem(dispatcher, tracker, default_knowledge_base(), latest_text(tracker))


class ActionHumanHandoff(Action):
    """How to reach a person at the clinic, from the knowledge file."""

    def name(self) -> str:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        knowledge = default_knowledge_base()
        dispatcher.utter_message(text=knowledge.handoff, buttons=[answer_builder.booking_button(knowledge)])
        return []


class ActionBotChallenge(Action):
    """ "Are you a bot?": the knowledge file's answer, with the button that asks for a person."""

    def name(self) -> str:
        return "action_bot_challenge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        knowledge = default_knowledge_base()
        dispatcher.utter_message(
            text=knowledge.messages["bot_challenge"], buttons=[answer_builder.handoff_button(knowledge)]
        )
        return []


class ActionBookConsultation(Action):
    """How to book, with the clinic's booking link and phone from the knowledge file."""

    def name(self) -> str:
        return "action_book_consultation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        knowledge = default_knowledge_base()
        dispatcher.utter_message(text=knowledge.booking, buttons=[answer_builder.handoff_button(knowledge)])
        return []


class ActionRecordFeedback(Action):
    """👍 / 👎 on the last answer: stored as the ``feedback`` slot (vote and topic, nothing else).

    A 👎 asks nothing personal: it offers to rephrase, the closest other topics and the team.
    """

    def name(self) -> str:
        return "action_record_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        knowledge = default_knowledge_base()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        vote = answer_builder.FEEDBACK_VOTES.get(str(intent), "down")
        topic = tracker.get_slot(LAST_TOPIC_SLOT)
        if vote == "up":
            dispatcher.utter_message(text=knowledge.messages["feedback_thanks"])
        else:
            others = answer_builder.alternative_topics(knowledge, previous_user_ranking(tracker), topic, limit=2)
            buttons = [answer_builder.topic_button(knowledge, t) for t in others]
            dispatcher.utter_message(
                text=knowledge.messages["feedback_sorry"], buttons=[*buttons, answer_builder.handoff_button(knowledge)]
            )
        return [SlotSet(FEEDBACK_SLOT, {"vote": vote, "topic": topic})]
