"""The report's figures, counted from turns and votes: pure, so tests can check exact numbers."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from insights.conversations import UNANSWERED, Outcome, Traffic
from insights.feedback import DOWN, UP
from insights.grouping import Group, group_questions

MAX_DOWNVOTED_ANSWERS = 10
MAX_PRECEDING_QUESTIONS = 5


@dataclass(frozen=True)
class DayFigures:
    """One day: conversations and messages, each in total and per channel."""

    day: str
    conversations: Counter[str]
    messages: Counter[str]


@dataclass(frozen=True)
class TopicFigures:
    topic: str
    answered: int
    up: int
    down: int


@dataclass(frozen=True)
class DownvotedAnswer:
    """An answer text that got 👎, and the questions that led to it (most frequent first)."""

    topic: str | None
    answer: str | None
    down: int
    up: int
    questions: list[tuple[str, int]]


@dataclass
class Summary:
    days: list[DayFigures] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    conversations: int = 0
    messages: int = 0
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    topics: list[TopicFigures] = field(default_factory=list)
    unanswered: list[Group] = field(default_factory=list)
    downvoted: list[DownvotedAnswer] = field(default_factory=list)
    votes: Counter[str] = field(default_factory=Counter)

    def share(self, outcome: Outcome) -> float:
        """Fraction of user messages (feedback clicks excluded) with this outcome."""
        return self.outcomes[outcome] / self.messages if self.messages else 0.0


def _days(traffic: Traffic) -> list[DayFigures]:
    conversations: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    messages: dict[str, Counter[str]] = defaultdict(Counter)
    for turn in traffic.turns:
        conversations[turn.day][turn.channel].add(turn.conversation)
        messages[turn.day][turn.channel] += 1
    return [
        DayFigures(day, Counter({c: len(ids) for c, ids in conversations[day].items()}), messages[day])
        for day in sorted(messages)
    ]


def _topics(traffic: Traffic) -> list[TopicFigures]:
    answered = Counter(t.topic for t in traffic.turns if t.outcome is Outcome.ANSWERED and t.topic)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for vote in traffic.votes:
        if vote.topic:
            votes[vote.topic][vote.vote] += 1
    topics = set(answered) | set(votes)
    figures = [TopicFigures(t, answered[t], votes[t][UP], votes[t][DOWN]) for t in topics]
    return sorted(figures, key=lambda f: (-f.answered, -f.down, f.topic))


def _downvoted(traffic: Traffic) -> list[DownvotedAnswer]:
    tally: dict[tuple[str | None, str | None], Counter[str]] = defaultdict(Counter)
    questions: dict[tuple[str | None, str | None], Counter[str]] = defaultdict(Counter)
    for vote in traffic.votes:
        key = (vote.topic, vote.answer)
        tally[key][vote.vote] += 1
        if vote.vote == DOWN and vote.question:
            questions[key][vote.question] += 1
    answers = [
        DownvotedAnswer(
            topic,
            answer,
            counts[DOWN],
            counts[UP],
            sorted(questions[(topic, answer)].items(), key=lambda q: (-q[1], q[0]))[:MAX_PRECEDING_QUESTIONS],
        )
        for (topic, answer), counts in tally.items()
        if counts[DOWN]
    ]
    answers.sort(key=lambda a: (-a.down, a.up, a.topic or "", a.answer or ""))
    return answers[:MAX_DOWNVOTED_ANSWERS]


def summarise(traffic: Traffic, embed: Callable[[list[str]], np.ndarray]) -> Summary:
    """All figures of the report; ``embed`` groups the unanswered questions (see ``grouping``)."""
    unanswered = [(t.text, t.outcome.value) for t in traffic.turns if t.outcome in UNANSWERED and t.text.strip()]
    days = _days(traffic)
    return Summary(
        days=days,
        channels=sorted({channel for day in days for channel in day.messages}),
        conversations=len({t.conversation for t in traffic.turns}),
        messages=len(traffic.turns),
        outcomes=Counter(t.outcome for t in traffic.turns),
        topics=_topics(traffic),
        unanswered=group_questions(unanswered, embed) if unanswered else [],
        downvoted=_downvoted(traffic),
        votes=Counter(v.vote for v in traffic.votes),
    )
