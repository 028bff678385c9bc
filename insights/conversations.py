"""Turn stored events into what the report counts: each user message with its outcome, and the votes.

A *turn* is one user message and everything the assistant did until the next
one. Its outcome comes first from what the person was shown (the bot texts,
compared with the knowledge file's messages, because the screens inside every
action may send escalation advice or the topic menu instead of what the action
name suggests), then from the action that ran:

- escalation: ``action_escalate_complication``, or an escalation text;
- answered: the action set the ``last_topic`` slot (the topic answered, which
  for a follow-up is not the intent's name); a store without that slot falls
  back to the FAQ intent when ``action_answer_faq`` ran;
- did you mean: the clarification texts, else ``action_clarify``;
- out of scope: the scope message, else ``action_out_of_scope``;
- other: greetings, the menu, booking, a person, unusable input.

Sender ids stay in this module: a turn carries a conversation number only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from actions.knowledge_model import KnowledgeBase
from insights.feedback import Vote, is_feedback_message, vote_in_slot_event, vote_in_user_event
from insights.privacy import mask_contact_details
from insights.store import StoredEvent

LAST_TOPIC_SLOT = "last_topic"
ESCALATION_ACTION = "action_escalate_complication"
CLARIFY_ACTION = "action_clarify"
OUT_OF_SCOPE_ACTION = "action_out_of_scope"
ANSWER_ACTION = "action_answer_faq"
# Sender-id prefixes the messaging channels give their users (docs/channels.md, "What the channels keep").
CHANNEL_PREFIXES = ("telegram", "whatsapp")
UNKNOWN_CHANNEL = "unknown"


class Outcome(str, enum.Enum):
    ANSWERED = "answered"
    DID_YOU_MEAN = "did_you_mean"
    OUT_OF_SCOPE = "out_of_scope"
    ESCALATION = "escalation"
    OTHER = "other"


UNANSWERED = (Outcome.DID_YOU_MEAN, Outcome.OUT_OF_SCOPE)


@dataclass(frozen=True)
class ReplyTexts:
    """The knowledge file's texts that tell an outcome apart, and its FAQ topics."""

    escalation: frozenset[str]
    did_you_mean: frozenset[str]
    out_of_scope: frozenset[str]
    not_an_answer: frozenset[str]  # every conversational message: a turn showing one did not answer a topic
    topics: frozenset[str]

    @classmethod
    def from_knowledge(cls, knowledge: KnowledgeBase) -> ReplyTexts:
        messages = knowledge.messages
        return cls(
            escalation=frozenset({knowledge.urgent_escalation, knowledge.emergency_escalation}),
            did_you_mean=frozenset({messages["clarify"], messages["clarify_again"]}),
            out_of_scope=frozenset({messages["out_of_scope"]}),
            not_an_answer=frozenset(messages.values()) | {knowledge.handoff, knowledge.booking},
            topics=frozenset(knowledge.faqs),
        )


@dataclass(frozen=True)
class Turn:
    """One user message: when, where, what (masked) and what came of it."""

    conversation: int
    day: str
    channel: str
    text: str
    intent: str | None
    outcome: Outcome
    topic: str | None = None
    answer: str | None = None


@dataclass(frozen=True)
class CastVote:
    """A vote with the answer it is about (None when the conversation had no answer on that topic)."""

    day: str
    channel: str
    vote: str
    topic: str | None
    answer: str | None
    question: str | None


@dataclass
class Traffic:
    """Every turn and vote in the store, in conversation order."""

    turns: list[Turn] = field(default_factory=list)
    votes: list[CastVote] = field(default_factory=list)


@dataclass
class _OpenTurn:
    day: str
    channel: str
    text: str
    intent: str | None
    actions: set[str] = field(default_factory=set)
    bot_texts: list[str] = field(default_factory=list)
    topic: str | None = None


def day_of(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


def channel_of(data: dict[str, Any], sender_id: str) -> str:
    """The user event's ``input_channel``, else the channel a sender-id prefix names (``telegram-123``)."""
    channel = data.get("input_channel")
    if isinstance(channel, str) and channel:
        return channel
    prefix = sender_id.split("-", 1)[0].lower()
    return prefix if prefix in CHANNEL_PREFIXES else UNKNOWN_CHANNEL


def outcome_of(turn: _OpenTurn, replies: ReplyTexts) -> tuple[Outcome, str | None]:
    """The outcome and the topic answered (see the module docstring for the order of the checks)."""
    shown = set(turn.bot_texts)
    if ESCALATION_ACTION in turn.actions or shown & replies.escalation:
        return Outcome.ESCALATION, None
    if turn.topic:
        return Outcome.ANSWERED, turn.topic
    if shown & replies.did_you_mean:
        return Outcome.DID_YOU_MEAN, None
    if shown & replies.out_of_scope:
        return Outcome.OUT_OF_SCOPE, None
    if shown & replies.not_an_answer:
        return Outcome.OTHER, None
    if ANSWER_ACTION in turn.actions and turn.intent in replies.topics and turn.bot_texts:
        return Outcome.ANSWERED, turn.intent
    if CLARIFY_ACTION in turn.actions:
        return Outcome.DID_YOU_MEAN, None
    if OUT_OF_SCOPE_ACTION in turn.actions:
        return Outcome.OUT_OF_SCOPE, None
    return Outcome.OTHER, None


def _close(turn: _OpenTurn, conversation: int, replies: ReplyTexts) -> Turn:
    outcome, topic = outcome_of(turn, replies)
    answer = turn.bot_texts[0] if outcome is Outcome.ANSWERED and turn.bot_texts else None
    return Turn(conversation, turn.day, turn.channel, turn.text, turn.intent, outcome, topic, answer)


def _resolve(vote: Vote, day: str, channel: str, earlier: list[Turn]) -> CastVote:
    """Attach a vote to the latest earlier answer on its topic (or the latest answer, if it names none)."""
    for turn in reversed(earlier):
        if turn.outcome is Outcome.ANSWERED and (vote.topic is None or turn.topic == vote.topic):
            return CastVote(day, channel, vote.vote, turn.topic, turn.answer, turn.text)
    return CastVote(day, channel, vote.vote, vote.topic, None, None)


def _conversations(events: Iterable[StoredEvent]) -> Iterator[list[StoredEvent]]:
    """Consecutive runs of one sender's events (the store returns them grouped)."""
    run: list[StoredEvent] = []
    for event in events:
        if run and event.sender_id != run[0].sender_id:
            yield run
            run = []
        run.append(event)
    if run:
        yield run


def read_traffic(events: Iterable[StoredEvent], replies: ReplyTexts) -> Traffic:
    """Every turn and vote, with message text masked and no sender id."""
    traffic = Traffic()
    for number, conversation in enumerate(_conversations(events)):
        turns, votes = _conversation_turns(number, conversation, replies)
        traffic.turns.extend(turns)
        traffic.votes.extend(votes)
    return traffic


def _conversation_turns(
    number: int, events: list[StoredEvent], replies: ReplyTexts
) -> tuple[list[Turn], list[CastVote]]:
    turns: list[Turn] = []
    pending: list[tuple[Vote, str, str, int]] = []  # resolved once the turns they follow are closed
    current: _OpenTurn | None = None
    channel = UNKNOWN_CHANNEL
    for event in events:
        data = event.data or {}
        if event.type_name == "user":
            if current is not None:
                turns.append(_close(current, number, replies))
                current = None
            channel = channel_of(data, event.sender_id)
            if is_feedback_message(data):
                vote = vote_in_user_event(data)
                if vote is not None:
                    pending.append((vote, day_of(event.timestamp), channel, len(turns)))
                continue
            intent = ((data.get("parse_data") or {}).get("intent") or {}).get("name")
            text = mask_contact_details(str(data.get("text") or ""))
            current = _OpenTurn(day_of(event.timestamp), channel, text, intent)
        elif event.type_name == "action":
            if current is not None and event.action_name:
                current.actions.add(event.action_name)
        elif event.type_name == "bot":
            if current is not None and data.get("text"):
                current.bot_texts.append(data["text"])
        elif event.type_name == "slot":
            if data.get("name") == LAST_TOPIC_SLOT and current is not None and data.get("value"):
                current.topic = str(data["value"])
            vote = vote_in_slot_event(data)
            if vote is not None:
                position = len(turns) + (1 if current is not None else 0)
                pending.append((vote, day_of(event.timestamp), channel, position))
    if current is not None:
        turns.append(_close(current, number, replies))
    votes = [_resolve(vote, day, where, turns[:position]) for vote, day, where, position in pending]
    return turns, votes
