"""Turn an intent, its entities and the conversation's last topic into a reply.

Pure functions over the knowledge base, free of Rasa objects, so the wording
rules (which variant wins, which buttons follow) are tested directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from actions.conversation_context import FALLBACK_INTENT, Entity, is_follow_up
from actions.knowledge_model import COST_ESTIMATE_INTENT, GUIDED_TOPICS, FaqEntry, KnowledgeBase

Button = dict[str, str]
CONTRAINDICATIONS_TOPIC = "ask_contraindications"
HANDOFF_PAYLOAD = "/human_handoff"
BOOKING_PAYLOAD = "/book_consultation"
COMPLICATION_INTENT = "report_complication"
PROBLEM_PAYLOAD = f"/{COMPLICATION_INTENT}"
# Under every FAQ answer, after the follow-ups: channels render these as small rating
# controls (channels.quick_replies.is_feedback); the vote is stored on the conversation.
FEEDBACK_VOTES = {"feedback_helpful": "up", "feedback_not_helpful": "down"}  # rating intent -> stored vote
FEEDBACK_BUTTONS: list[Button] = [
    {"title": "👍", "payload": "/feedback_helpful"},
    {"title": "👎", "payload": "/feedback_not_helpful"},
]
MIN_CLARIFY_CONFIDENCE = 0.1
# A second FAQ topic this likely means the message asked two things ("does it
# hurt and how much is it?" ranks pain at ~0.19 under cost at ~0.80): it is
# offered first among the buttons. The FallbackClassifier already sends
# messages whose top intent is under its threshold (config.yml) to "Did you
# mean". Only the order of the buttons depends on these values.
ALSO_ASKED_MIN_CONFIDENCE = 0.1
# When the text itself reads as two questions ("...cost and does it hurt?"), the
# classifier still ranks the whole message, and a confident model can put the
# second part's topic at a few percent (cost 0.91, pain 0.08): any FAQ topic at
# 1% or more is then taken as the second part.
SEVERAL_QUESTIONS_MIN_CONFIDENCE = 0.01
_SECOND_QUESTION = re.compile(
    r"\?.*\w.*\?|\b(and|also|plus|or)\s+(how|what|does|do|is|are|can|will|when|where|why|who|should|would|could)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reply:
    """Text plus quick-reply buttons, as one bot message."""

    text: str
    buttons: list[Button] = field(default_factory=list)


def resolve_topic(
    knowledge: KnowledgeBase,
    predicted: str | None,
    entities: Sequence[Entity],
    last_topic: str | None,
    text: str,
) -> str | None:
    """The FAQ topic this turn is about.

    A follow-up such as "and what about 1 mm needles?" after the pain answer is
    classified as a needle-size question, but the person wants the pain answer
    for 1 mm. When the message reads as a follow-up and the last topic has
    something to say about the mentioned entity, the last topic wins.
    """
    last_entry = knowledge.faq(last_topic) if last_topic else None
    if (
        last_entry is not None
        and last_topic != predicted
        and entities
        and is_follow_up(text)
        and any(entity_type in last_entry.variants for entity_type, _ in entities)
    ):
        return last_topic
    return predicted if knowledge.faq(predicted or "") else None


def faq_reply(
    knowledge: KnowledgeBase, intent: str, entities: Sequence[Entity], also_asked: Sequence[str] = ()
) -> Reply:
    """The answer for a topic, focused on the mentioned entities where possible.

    ``also_asked`` are other topics the same message seems to ask about; they
    lead the buttons, so a two-part question is one click from its second answer.
    """
    entry = knowledge.faqs[intent]
    variants = _unique([entry.variant(kind, value) for kind, value in entities])
    parts = variants or [entry.answer]
    for kind, value in entities:
        if entry.variant(kind, value):
            continue
        if kind == "condition":
            caution = _condition_caution(knowledge, entry, value)
            if caution:
                parts.append(caution)
        elif kind in entry.variants:
            parts.append(
                f"My sources have no details specific to {value}; your practitioner can tell you what to expect."
            )
    buttons = follow_up_buttons(knowledge, entry, entities)
    extra = [topic_button(knowledge, t) for t in also_asked if knowledge.faq(t) and t != intent]
    extra += [offer_button(knowledge, tool, entities) for tool in knowledge.offers_under(intent)]
    extra_payloads = {button["payload"] for button in extra}
    buttons = extra + [b for b in buttons if b["payload"].split("{")[0] not in extra_payloads]
    return Reply(text="\n\n".join(_unique(parts)), buttons=[*buttons, *FEEDBACK_BUTTONS])


def alternative_topics(
    knowledge: KnowledgeBase, ranking: Sequence[dict[str, Any]], answered: str | None, limit: int = 3
) -> list[str]:
    """After a 👎: the other topics the rated message was closest to, then the answer's follow-ups."""
    topics = ranked_topics(knowledge, ranking, 0.0, answered)
    entry = knowledge.faq(answered or "")
    topics += list(entry.follow_ups) if entry else list(knowledge.menu)
    return list(dict.fromkeys(topics))[:limit]


def reads_as_several_questions(text: str) -> bool:
    """Two question marks, or a second question joined on ("...and does it hurt?", "...also how long...")."""
    return bool(_SECOND_QUESTION.search(text))


def also_asked_topics(
    knowledge: KnowledgeBase, ranking: Sequence[dict[str, Any]], answered: str, text: str = "", limit: int = 1
) -> list[str]:
    """Other FAQ topics the classifier finds likely enough to be a second question in the message."""
    floor = SEVERAL_QUESTIONS_MIN_CONFIDENCE if reads_as_several_questions(text) else ALSO_ASKED_MIN_CONFIDENCE
    return ranked_topics(knowledge, ranking, floor, answered)[:limit]


def ranked_topics(
    knowledge: KnowledgeBase, ranking: Sequence[dict[str, Any]], min_confidence: float, leave_out: str | None = None
) -> list[str]:
    """The FAQ topics of a classifier ranking, in its order, at ``min_confidence`` or above, but ``leave_out``."""
    return [
        name
        for candidate in ranking
        if (name := str(candidate.get("name"))) != leave_out
        and knowledge.faq(name)
        and float(candidate.get("confidence") or 0.0) >= min_confidence
    ]


def topic_button(knowledge: KnowledgeBase, topic: str) -> Button:
    """A quick reply that opens a topic's answer."""
    return {"title": knowledge.title(topic), "payload": f"/{topic}"}


def offer_button(knowledge: KnowledgeBase, guided_intent: str, entities: Sequence[Entity]) -> Button:
    """A button that starts a guided conversation, carrying a concern the estimate can use."""
    concern = next((value for kind, value in entities if kind == "concern"), None)
    payload = f"/{guided_intent}"
    if guided_intent == COST_ESTIMATE_INTENT and concern:
        payload += json.dumps({"concern": concern})
    return {"title": knowledge.title(guided_intent), "payload": payload}


def follow_up_buttons(knowledge: KnowledgeBase, entry: FaqEntry, entities: Sequence[Entity]) -> list[Button]:
    """Quick replies for the entry's follow-ups, carrying entities they can use.

    After the 1 mm pain answer, "Recovery time" should open the 1 mm recovery
    variant, so the payload passes on entities the next topic has variants for.
    """
    buttons = []
    for topic in entry.follow_ups:
        target = knowledge.faqs[topic]
        carried = {kind: value for kind, value in entities if target.variant(kind, value)}
        payload = f"/{topic}" + (json.dumps(carried) if carried else "")
        buttons.append({"title": target.title, "payload": payload})
    return buttons


def booking_button(knowledge: KnowledgeBase) -> Button:
    """ "Book a consultation", in the clinic's words."""
    return {"title": knowledge.messages["booking_button"], "payload": BOOKING_PAYLOAD}


def handoff_button(knowledge: KnowledgeBase) -> Button:
    """The button that asks for a person; its label is ``messages.handoff_button`` in the knowledge file."""
    return {"title": knowledge.messages["handoff_button"], "payload": HANDOFF_PAYLOAD}


def problem_button(knowledge: KnowledgeBase) -> Button:
    """ "I have a problem after treatment": the escalation advice, one click away."""
    return {"title": knowledge.messages["problem_button"], "payload": PROBLEM_PAYLOAD}


def menu_buttons(knowledge: KnowledgeBase) -> list[Button]:
    """The popular topics, then booking and a person."""
    return [*(topic_button(knowledge, t) for t in knowledge.menu), booking_button(knowledge), handoff_button(knowledge)]


def other_topics_line(knowledge: KnowledgeBase) -> str:
    """One line naming the topics the menu buttons leave out."""
    rest = [entry.title for intent, entry in knowledge.faqs.items() if intent not in knowledge.menu]
    return f"{knowledge.messages['other_topics']} " + "; ".join(rest) + "." if rest else ""


def guessed_intents(ranking: Sequence[dict[str, object]]) -> list[str]:
    """The classifier's intents in ranking order, without the ``nlu_fallback`` a fallback puts first."""
    return [str(candidate.get("name")) for candidate in ranking if candidate.get("name") != FALLBACK_INTENT]


def likeliest_guess(ranking: Sequence[dict[str, Any]]) -> tuple[str, float] | None:
    """The classifier's best guess behind a fallback and its confidence: the top entry other than ``nlu_fallback``."""
    for candidate in ranking:
        if candidate.get("name") != FALLBACK_INTENT:
            return str(candidate.get("name")), float(candidate.get("confidence") or 0.0)
    return None


def likeliest_intent(ranking: Sequence[dict[str, object]]) -> str | None:
    """The classifier's best guess behind a fallback: the top intent other than ``nlu_fallback``."""
    guess = likeliest_guess(ranking)
    return guess[0] if guess else None


def same_topic_hesitation(knowledge: KnowledgeBase, ranking: Sequence[dict[str, object]]) -> str | None:
    """The FAQ topic when the two likeliest intents are that topic and its guided form.

    "Who should not do microneedling?" can sit between ask_contraindications and
    check_suitability; both mean the same topic, so its answer (which offers the
    check) is better than "Did you mean".
    """
    names = guessed_intents(ranking)[:2]
    topics = {GUIDED_TOPICS.get(name, name) for name in names}
    if len(names) == 2 and len(topics) == 1:
        topic = topics.pop()
        return topic if knowledge.faq(topic) else None
    return None


def clarification_buttons(knowledge: KnowledgeBase, ranking: Sequence[dict[str, Any]], limit: int = 3) -> list[Button]:
    """Buttons for the most likely FAQ topics of an unclear message, and the way to report a problem if it may be one.

    A report the classifier is unsure of ends here, as "Did you mean" (the screen found no sign it
    knows). The topics stay first, in the classifier's order, so a question is one click from its
    answer; when a complication report is as likely as a topic must be to get a button, the person
    is one click from the escalation advice too.
    """
    buttons = [topic_button(knowledge, t) for t in ranked_topics(knowledge, ranking, MIN_CLARIFY_CONFIDENCE)[:limit]]
    if confidence_of(ranking, COMPLICATION_INTENT) >= MIN_CLARIFY_CONFIDENCE:
        buttons.append(problem_button(knowledge))
    return buttons


def confidence_of(ranking: Sequence[dict[str, Any]], intent: str) -> float:
    """The classifier's confidence in ``intent`` (0 when it is not ranked)."""
    return next((float(c.get("confidence") or 0.0) for c in ranking if c.get("name") == intent), 0.0)


def _condition_caution(knowledge: KnowledgeBase, entry: FaqEntry, condition: str) -> str | None:
    """The contraindication note for a condition mentioned under another topic.

    "Does it hurt? I'm pregnant" gets the pain answer, but the pregnancy caution
    must not be lost just because the question was about pain.
    """
    if entry.intent == CONTRAINDICATIONS_TOPIC:
        return None
    contraindications = knowledge.faq(CONTRAINDICATIONS_TOPIC)
    if contraindications is None:
        return None
    return contraindications.variant("condition", condition)


def _unique(texts: Sequence[str | None]) -> list[str]:
    seen: list[str] = []
    for text in texts:
        if text and text not in seen:
            seen.append(text)
    return seen
