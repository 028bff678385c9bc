"""Shared fixtures: the real knowledge base and rasa-sdk trackers built like Rasa sends them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, KnowledgeFileError, load_knowledge_base
from actions.knowledge_model import KnowledgeBase


def knowledge_copy(tmp_path: Path, mutate: Callable[[dict[str, Any]], None]) -> Path:
    """The real knowledge file, edited by ``mutate`` as a clinic might, saved under ``tmp_path``."""
    data = yaml.safe_load(DEFAULT_KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "knowledge.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def knowledge_problems(path: Path) -> str:
    """The refusal message for a knowledge file that must not load."""
    with pytest.raises(KnowledgeFileError) as raised:
        load_knowledge_base(path)
    return str(raised.value)


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)


def user_event(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.9}}}


def make_tracker(
    text: str,
    intent: str,
    entities: Sequence[tuple[str, str]] = (),
    slots: dict[str, Any] | None = None,
    ranking: list[dict[str, Any]] | None = None,
    history: Sequence[dict[str, Any]] = (),
) -> Tracker:
    """A tracker whose latest message is ``text`` classified as ``intent``."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [{"entity": kind, "value": value} for kind, value in entities],
        "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
    }
    events = [*history, user_event(text, intent)]
    return Tracker(
        sender_id="test-user",
        slots={"last_topic": None, "disclaimer_shown": False, **(slots or {})},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run_action(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run an action; return (messages sent, events returned)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events
