"""The cached action-reply validator accepts and refuses exactly what Rasa's own check does."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from service import rasa_speedups

GOOD = {"events": [{"event": "slot", "name": "last_topic", "value": "ask_pain"}], "responses": [{"text": "hi"}]}
BAD = [
    {"events": "not a list"},
    {"events": [{"name": "no event type"}]},
    {"responses": [{"text": "hi"}], "events": [{"event": 42}]},
]


def rasa_verdict(result: dict) -> bool:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError:
        return False
    return True


def test_a_valid_reply_passes() -> None:
    assert rasa_verdict(GOOD)
    assert rasa_speedups.validate_action_result(None, GOOD) is True


@pytest.mark.parametrize("result", BAD)
def test_an_invalid_reply_raises_the_error_rasa_raises(result: dict) -> None:
    assert not rasa_verdict(result)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        rasa_speedups.validate_action_result(None, result)


def test_apply_installs_the_cached_validator() -> None:
    original = RemoteAction._validate_action_result
    try:
        rasa_speedups.apply()
        action = RemoteAction("action_answer_faq", None)
        assert action._validate_action_result(GOOD) is True
        with pytest.raises(jsonschema.ValidationError):
            action._validate_action_result(BAD[0])
    finally:
        RemoteAction._validate_action_result = original
