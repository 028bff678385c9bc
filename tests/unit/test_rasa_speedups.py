"""Rasa start-up fixes: the cached action-reply validator accepts and refuses exactly what Rasa's own check does;
the sequential graph runner returns exactly what Rasa's dask runner returns."""

from __future__ import annotations

from typing import ClassVar

import jsonschema
import pytest
import rasa.core.processor
from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

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


class _Double(GraphComponent):
    """Toy node: doubles a number; records the order nodes ran in."""

    calls: ClassVar[list[str]] = []

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> _Double:
        return cls(execution_context.node_name)

    def run(self, value: int) -> int:
        _Double.calls.append(self.name)
        return 2 * value


class _Sum(_Double):
    def run(self, left: int, right: int) -> int:
        _Double.calls.append(self.name)
        if left < 0:
            raise RuntimeError("negative")
        return left + right


def _node(component: type, needs: dict[str, str], is_target: bool = False) -> SchemaNode:
    return SchemaNode(needs=needs, uses=component, constructor_name="create", fn="run", config={}, is_target=is_target)


# a diamond: __number__ -> a -> (b, c) -> total; "unused" is needed by no target
SCHEMA = GraphSchema(
    {
        "a": _node(_Double, {"value": "__number__"}),
        "b": _node(_Double, {"value": "a"}),
        "c": _node(_Double, {"value": "a"}),
        "total": _node(_Sum, {"left": "b", "right": "c"}, is_target=True),
        "unused": _node(_Double, {"value": "__number__"}),
    }
)


def _runner(runner_class: type, tmp_path) -> DaskGraphRunner:
    return runner_class.create(SCHEMA, LocalModelStorage(tmp_path), ExecutionContext(SCHEMA, "test"))


@pytest.mark.parametrize("targets", [None, ["total"], ["b", "c"], ["a", "unused"]])
def test_sequential_runner_returns_what_dasks_runner_returns(tmp_path, targets) -> None:
    expected = _runner(DaskGraphRunner, tmp_path).run({"__number__": 3}, targets)
    _Double.calls = []
    assert (
        rasa_speedups.SequentialGraphRunner.create(
            SCHEMA, LocalModelStorage(tmp_path), ExecutionContext(SCHEMA, "test")
        ).run({"__number__": 3}, targets)
        == expected
    )
    assert "unused" not in _Double.calls or targets == ["a", "unused"]
    assert len(_Double.calls) == len(set(_Double.calls))  # every node at most once
    if targets in (None, ["total"]):
        assert expected == {"total": 24}
        assert _Double.calls.index("a") < _Double.calls.index("b") < _Double.calls.index("total")


def test_a_failing_node_raises_what_dask_raises(tmp_path) -> None:
    raised = []
    for runner_class in (DaskGraphRunner, rasa_speedups.SequentialGraphRunner):
        with pytest.raises(Exception) as error:
            _runner(runner_class, tmp_path).run({"__number__": -1})
        raised.append((type(error.value), str(error.value)))
    assert raised[0] == raised[1]
    assert raised[0] == (GraphComponentException, "Error running graph component for node total.")


def test_an_input_named_like_a_node_is_refused(tmp_path) -> None:
    with pytest.raises(GraphRunError, match="clashes"):
        _runner(rasa_speedups.SequentialGraphRunner, tmp_path).run({"__number__": "a"})


def test_apply_makes_the_message_processor_load_models_with_the_sequential_runner() -> None:
    original = rasa.core.processor.DaskGraphRunner
    try:
        rasa_speedups.apply()
        assert rasa.core.processor.DaskGraphRunner is rasa_speedups.SequentialGraphRunner
    finally:
        rasa.core.processor.DaskGraphRunner = original
