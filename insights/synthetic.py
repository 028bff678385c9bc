"""Generated conversations in Rasa's SQL schema, for the tests, the benchmark and a demo report.

Why generated and not recorded: tests need exact expected figures, the
benchmark needs 100,000 events, and real conversations may hold personal data.
The events have the shape Rasa 3.6 stores (``SQLTrackerStore.SQLEvent`` rows:
``type_name``, ``timestamp``, ``intent_name``, ``action_name`` and the event's
JSON in ``data``); tests/unit/test_insights_store.py checks the table against
Rasa's own.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actions.knowledge_model import KnowledgeBase

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (id INTEGER NOT NULL, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), "
    "data TEXT, PRIMARY KEY (id))",
    "CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id)",
)
_INSERT = "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?,?,?,?,?,?)"
DAY = 86_400.0


@dataclass
class Conversation:
    """One sender's events, appended turn by turn the way the assistant stores them."""

    sender_id: str
    channel: str | None
    clock: float
    knowledge: KnowledgeBase
    events: list[dict[str, Any]] = field(default_factory=list)
    disclaimer_shown: bool = False

    def __post_init__(self) -> None:
        self._add({"event": "action", "name": "action_session_start"})
        self._add({"event": "session_started"})
        self._add({"event": "action", "name": "action_listen"})

    def _add(self, event: dict[str, Any]) -> None:
        self.clock += 0.01
        self.events.append({"timestamp": self.clock, **event})

    def _user(self, text: str, intent: str, entities: list[dict[str, Any]] | None = None) -> None:
        self.clock += 20.0
        parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
        event = {"event": "user", "text": text, "parse_data": parse, "metadata": {}}
        if self.channel is not None:
            event["input_channel"] = self.channel
        self._add(event)

    def _bot(self, text: str) -> None:
        self._add({"event": "bot", "text": text, "data": {}, "metadata": {}})

    def _action(self, name: str) -> None:
        self._add({"event": "action", "name": name, "policy": "RulePolicy", "confidence": 1.0})

    def _slot(self, name: str, value: Any) -> None:
        self._add({"event": "slot", "name": name, "value": value})

    def ask_faq(self, text: str, topic: str, intent: str | None = None) -> Conversation:
        """An answered question; ``intent`` differs from ``topic`` for a follow-up."""
        self._user(text, intent or topic)
        self._action("action_answer_faq")
        self._bot(self.knowledge.faqs[topic].answer)
        if not self.disclaimer_shown:
            self._bot(f"_{self.knowledge.disclaimer}_")
        self._slot("last_topic", topic)
        if not self.disclaimer_shown:
            self._slot("disclaimer_shown", True)
            self.disclaimer_shown = True
        self._action("action_listen")
        return self

    def unclear(self, text: str) -> Conversation:
        """A message the classifier was unsure of: "Did you mean ...?"."""
        self._user(text, "nlu_fallback")
        self._action("action_clarify")
        self._bot(self.knowledge.messages["clarify"])
        self._action("action_listen")
        return self

    def out_of_scope(self, text: str) -> Conversation:
        self._user(text, "out_of_scope")
        self._action("action_out_of_scope")
        self._bot(self.knowledge.messages["out_of_scope"])
        self._slot("last_topic", None)
        self._action("action_listen")
        return self

    def complication(self, text: str) -> Conversation:
        self._user(text, "report_complication")
        self._action("action_escalate_complication")
        self._bot(self.knowledge.urgent_escalation)
        self._bot(self.knowledge.emergency_escalation)
        self._slot("last_topic", None)
        self._action("action_listen")
        return self

    def greet(self, text: str = "hi") -> Conversation:
        self._user(text, "greet")
        self._action("action_show_menu")
        self._bot(self.knowledge.messages["greeting"])
        self._action("action_listen")
        return self

    def vote_by_intent(self, vote: str, topic: str | None = None) -> Conversation:
        """Feedback shape 1 (insights/feedback.py): a ``feedback`` message with vote and topic entities."""
        entities = [{"entity": "vote", "value": vote}] + ([{"entity": "topic", "value": topic}] if topic else [])
        self._user(f"/feedback{json.dumps({e['entity']: e['value'] for e in entities})}", "feedback", entities)
        self._action("utter_feedback_thanks")
        self._action("action_listen")
        return self

    def vote_by_slot(self, vote: str, topic: str | None = None) -> Conversation:
        """Feedback shape 2: the ``feedback`` slot set to ``{"vote": ..., "topic": ...}``."""
        self._slot("feedback", {"vote": vote, **({"topic": topic} if topic else {})})
        return self

    def rows(self) -> list[tuple]:
        """The events as rows of Rasa's ``events`` table, the way its SQL store fills them."""
        return [
            (
                self.sender_id,
                event["event"],
                event["timestamp"],
                (event.get("parse_data") or {}).get("intent", {}).get("name"),
                event.get("name"),
                json.dumps(event),
            )
            for event in self.events
        ]


def write_store(path: Path, conversations: Iterable[Conversation]) -> int:
    """Create (or extend) a SQLite store with Rasa's ``events`` table; returns the rows written."""
    connection = sqlite3.connect(path)
    try:
        for statement in SCHEMA:
            connection.execute(statement)
        written = 0
        with connection:
            for conversation in conversations:
                rows = conversation.rows()
                connection.executemany(_INSERT, rows)
                written += len(rows)
        return written
    finally:
        connection.close()


# Unanswered questions a clinic might see: other treatments and practical matters, in several wordings.
_OTHER_SUBJECTS = (
    "botox", "lip fillers", "laser hair removal", "tattoo removal", "a hydrafacial", "teeth whitening",
    "cheek fillers", "a chemical peel on its own", "parking at the clinic", "gift vouchers", "eyebrow threading",
    "coolsculpting", "a facial massage", "thread lifts", "gel nails", "spray tans",
)  # fmt: skip
_FRAMES = (
    "do you do {}", "how much is {}", "{} near me", "can I book {} too", "is {} safe", "what about {}",
    "do you offer {} at your clinic", "{} price", "how long does {} last", "any deals on {}",
)  # fmt: skip
_UNCLEAR = (
    "hmm", "what about the other thing", "the one my friend had", "is it like the thing on tiktok",
    "can you explain that again", "what", "ok but why", "and the green one?",
)  # fmt: skip
_OPENINGS = ("", "", "hi ", "quick question, ", "hello! ", "sorry, ")
_ENDINGS = ("", "", "?", " thanks", " please", " for my face", " for my legs", " this week", " for my daughter")
_FAQ_FRAMES = ("{}", "{}?", "tell me: {}", "question - {}", "{} please")
_CONTACTS = (" you can reach me at jane.doe@example.com", " my number is 07700 900123", " call +1 555 010 0199")


def generated_traffic(
    knowledge: KnowledgeBase, target_events: int, days: int = 7, seed: int = 12
) -> list[Conversation]:
    """Conversations over ``days`` days with about ``target_events`` events: mostly answers, some misses and votes."""
    rng = random.Random(seed)
    topics = sorted(knowledge.faqs)
    disliked = set(topics[:3])  # a few answers people find less helpful, so the 👎 table has a pattern
    start = 1_767_225_600.0  # 2026-01-01 00:00 UTC
    conversations: list[Conversation] = []
    total = 0
    number = 0
    while total < target_events:
        number += 1
        channel = rng.choice(("rest", "rest", "rest", "telegram", "whatsapp"))
        sender = {"rest": f"web-{number:06d}", "telegram": f"telegram-{number}", "whatsapp": f"whatsapp-{number:x}"}
        clock = start + rng.randrange(days) * DAY + rng.uniform(6, 22) * 3600
        conversation = Conversation(sender[channel], channel, clock, knowledge)
        if rng.random() < 0.5:
            conversation.greet()
        for _ in range(rng.randint(1, 5)):
            roll = rng.random()
            if roll < 0.62:
                topic = rng.choice(topics)
                conversation.ask_faq(rng.choice(_FAQ_FRAMES).format(knowledge.faqs[topic].title.lower()), topic)
                if rng.random() < 0.25:
                    down = rng.random() < (0.6 if topic in disliked else 0.15)
                    vote = "down" if down else "up"
                    if rng.random() < 0.5:
                        conversation.vote_by_intent(vote, topic)
                    else:
                        conversation.vote_by_slot(vote)
            elif roll < 0.84:
                question = rng.choice(_FRAMES).format(rng.choice(_OTHER_SUBJECTS))
                text = rng.choice(_OPENINGS) + question + rng.choice(_ENDINGS)
                conversation.out_of_scope(text + (rng.choice(_CONTACTS) if rng.random() < 0.05 else ""))
            elif roll < 0.96:
                conversation.unclear(rng.choice(_UNCLEAR))
            else:
                conversation.complication("I had it done 3 days ago and now there is pus and a fever")
        conversations.append(conversation)
        total += len(conversation.events)
    return conversations
