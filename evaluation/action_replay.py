"""Run the project's real actions on a parse result, in-process, for NLU systems that cannot be served.

A clinic that swapped in a baseline classifier would keep the rules and the
action server, so a baseline's end-to-end reply is: its parse -> the action the
rules pick for that intent -> the messages that action dispatches. The
assistant itself is scored through the REST webhook instead
(evaluation.webhook_replies); `make eval` checks that both paths agree on it.
"""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as action_module
from actions import guided_forms
from actions.conversation_context import FALLBACK_INTENT
from evaluation.labelled_data import DOMAIN_FILE, PROJECT_ROOT

RULES_DIR = PROJECT_ROOT / "data" / "rules"


def _rules(rules_dir: Path) -> list[dict[str, Any]]:
    return [
        rule
        for path in sorted(rules_dir.glob("*.yml"))
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []
    ]


def rule_actions(rules_dir: Path = RULES_DIR) -> dict[str, str]:
    """Intent -> the action a one-turn rule answers it with (``or`` steps included).

    A rule that starts a form (intent, form, ``active_loop``) maps the intent to the form.
    Rules with a condition (inside a running form) are not first turns and are left out.
    """
    mapping: dict[str, str] = {}
    for rule in _rules(rules_dir):
        steps = rule.get("steps") or []
        starts_form = len(steps) == 3 and "active_loop" in steps[2]
        if rule.get("condition") or not (len(steps) == 2 or starts_form) or "action" not in steps[1]:
            continue
        first = steps[0]
        intents = [first["intent"]] if "intent" in first else [s["intent"] for s in first.get("or", [])]
        for intent in intents:
            mapping[intent] = steps[1]["action"]
    return mapping


def form_result_actions(rules_dir: Path = RULES_DIR) -> dict[str, str]:
    """Form -> the action the rules run once it is complete (its result)."""
    results = {}
    for rule in _rules(rules_dir):
        steps = rule.get("steps") or []
        if steps and "action" in steps[0] and steps[1:2] == [{"active_loop": None}] and "action" in steps[-1]:
            results[steps[0]["action"]] = steps[-1]["action"]
    return results


def _custom_actions() -> dict[str, Action]:
    found = {}
    for module in (action_module, guided_forms):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Action) and not inspect.isabstract(cls) and cls.__module__ == module.__name__:
                action = cls()
                found[action.name()] = action
    return found


class ActionReplay:
    """One fresh conversation per message, answered by the action the rules choose."""

    def __init__(self) -> None:
        self._domain: dict[str, Any] = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
        self._rules = rule_actions()
        self._form_results = form_result_actions()
        self._actions = _custom_actions()

    def reply(self, text: str, parse: dict[str, Any]) -> list[dict[str, Any]]:
        """The bot messages a new visitor would get for ``text`` parsed as ``parse``."""
        intent = (parse.get("intent") or {}).get("name")
        action_name = self._rules.get(str(intent), self._rules.get(FALLBACK_INTENT, "action_clarify"))
        if action_name.startswith("utter_"):
            return [dict(r) for r in self._domain["responses"][action_name][:1]]
        latest = {**parse, "text": text}
        dispatcher = CollectingDispatcher()
        if action_name in (self._domain.get("forms") or {}):
            # A form's first turn: its validation action (which asks the first question);
            # if that already completes the form, the result action the rules run next.
            events = self._run(f"validate_{action_name}", latest, {}, dispatcher)
            slots = {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
            if slots.get("requested_slot", "") is None and action_name in self._form_results:
                self._run(self._form_results[action_name], latest, slots, dispatcher)
            return dispatcher.messages
        self._run(action_name, latest, {}, dispatcher)
        return dispatcher.messages

    def _run(
        self, action_name: str, latest: dict[str, Any], slots: dict[str, Any], dispatcher: CollectingDispatcher
    ) -> list[dict[str, Any]]:
        tracker = Tracker(
            sender_id="evaluation",
            slots=slots,
            latest_message=latest,
            events=[{"event": "user", "text": latest["text"], "parse_data": latest}],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        return asyncio.run(self._actions[action_name].run(dispatcher, tracker, self._domain))
