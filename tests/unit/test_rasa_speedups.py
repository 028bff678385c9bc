"""Rasa start-up fixes: the cached action-reply validator accepts and refuses exactly what Rasa's own check does;
the sequential graph runner returns exactly what Rasa's dask runner returns; the kept action-server sessions are
shared per loop and closed at shutdown."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import ClassVar

import aiohttp
import jsonschema
import pytest
import rasa.core.processor
import rasa.core.run
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions import rasa_speedups

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


@pytest.fixture
def applied():
    """rasa_speedups.apply() for one test, then Rasa as it was."""
    originals = (
        RemoteAction._validate_action_result,
        rasa.core.processor.DaskGraphRunner,
        EndpointConfig.session,
        rasa.core.run.close_resources,
    )
    assert rasa_speedups.apply(environ={})
    yield
    (
        RemoteAction._validate_action_result,
        rasa.core.processor.DaskGraphRunner,
        EndpointConfig.session,
        rasa.core.run.close_resources,
    ) = originals


def test_apply_installs_the_cached_validator(applied) -> None:
    action = RemoteAction("action_answer_faq", None)
    assert action._validate_action_result(GOOD) is True
    with pytest.raises(jsonschema.ValidationError):
        action._validate_action_result(BAD[0])


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


def test_apply_makes_the_message_processor_load_models_with_the_sequential_runner(applied) -> None:
    assert rasa.core.processor.DaskGraphRunner is rasa_speedups.SequentialGraphRunner


def test_apply_makes_endpoints_share_one_session(applied) -> None:
    assert EndpointConfig.session is rasa_speedups.shared_session


async def _client_ports_seen(endpoint: EndpointConfig, calls: int, close: bool) -> tuple[list[dict], set[int]]:
    """A local HTTP server answering JSON; returns the replies and the client ports it saw."""
    ports: set[int] = set()

    async def answer(request: web.Request) -> web.Response:
        ports.add(request.transport.get_extra_info("peername")[1])
        return web.json_response({"events": [], "seen": request.headers.get("X-Clinic")})

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    endpoint.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhook"
    try:
        replies = [await endpoint.request(json={"n": n}) for n in range(calls)]
        if close:  # the kept session; Rasa's own closed each of its sessions itself
            async with endpoint.session() as session:
                await session.close()
    finally:
        await runner.cleanup()
    return replies, ports


def test_rasa_opens_a_connection_per_action_call_and_the_shared_session_keeps_one() -> None:
    rasas = asyncio.run(_client_ports_seen(EndpointConfig(headers={"X-Clinic": "riverside"}), 3, close=False))
    original = EndpointConfig.session
    try:
        EndpointConfig.session = rasa_speedups.shared_session
        ours = asyncio.run(_client_ports_seen(EndpointConfig(headers={"X-Clinic": "riverside"}), 3, close=True))
    finally:
        EndpointConfig.session = original

    assert len(rasas[1]) == 3  # a new TCP connection per call
    assert len(ours[1]) == 1  # one kept-alive connection
    assert ours[0] == rasas[0] == [{"events": [], "seen": "riverside"}] * 3  # same headers, same replies


def test_the_shared_session_is_per_event_loop_and_replaced_once_closed() -> None:
    endpoint = EndpointConfig("http://127.0.0.1:9")

    async def session_of() -> aiohttp.ClientSession:
        async with rasa_speedups.shared_session(endpoint) as first:
            pass
        async with rasa_speedups.shared_session(endpoint) as second:
            assert second is first and not first.closed
        await first.close()
        async with rasa_speedups.shared_session(endpoint) as third:
            assert third is not first
        await third.close()
        return third

    assert asyncio.run(session_of()) is not asyncio.run(session_of())


def test_a_restarted_action_server_is_reached_again_on_a_new_connection() -> None:
    """The kept connection dies with the old server; the next call must not fail on it."""

    async def start(port: int) -> tuple[web.AppRunner, int]:
        async def answer(request: web.Request) -> web.Response:
            return web.json_response({"events": []})

        app = web.Application()
        app.router.add_post("/webhook", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        return runner, site._server.sockets[0].getsockname()[1]

    async def call_across_a_restart() -> list:
        runner, port = await start(0)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        replies = [await endpoint.request(json={})]
        await runner.cleanup()
        runner, _ = await start(port)
        try:
            replies.append(await endpoint.request(json={}))
        finally:
            await runner.cleanup()
            async with endpoint.session() as session:
                await session.close()
        return replies

    original = EndpointConfig.session
    try:
        EndpointConfig.session = rasa_speedups.shared_session
        assert asyncio.run(call_across_a_restart()) == [{"events": []}, {"events": []}]
    finally:
        EndpointConfig.session = original


def test_apply_closes_the_kept_sessions_after_rasas_own_shutdown_hook(applied) -> None:
    assert rasa.core.run.close_resources is rasa_speedups.close_resources_and_kept_sessions


class _EventBroker:
    closed = False

    async def close(self) -> None:
        self.closed = True


def test_shutdown_runs_rasas_hook_and_closes_every_kept_session_of_its_loop() -> None:
    broker = _EventBroker()
    app = SimpleNamespace(
        ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=SimpleNamespace(event_broker=broker)))
    )

    async def open_then_shut_down() -> list[aiohttp.ClientSession]:
        sessions = []
        for endpoint in (EndpointConfig("http://127.0.0.1:9/webhook"), EndpointConfig("http://127.0.0.1:9/nlg")):
            async with rasa_speedups.shared_session(endpoint) as session:
                sessions.append(session)
        assert not any(session.closed for session in sessions)
        await rasa_speedups.close_resources_and_kept_sessions(app, asyncio.get_running_loop())
        assert await rasa_speedups.close_kept_sessions() == 0  # nothing left open
        return sessions

    sessions = asyncio.run(open_then_shut_down())
    assert broker.closed, "Rasa's own hook still closes the event broker"
    assert all(session.closed for session in sessions)


def test_shutdown_leaves_the_sessions_of_another_loop_alone() -> None:
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")
    other_loop = asyncio.new_event_loop()
    try:

        async def open_session() -> aiohttp.ClientSession:
            async with rasa_speedups.shared_session(endpoint) as session:
                return session

        theirs = other_loop.run_until_complete(open_session())
        assert asyncio.run(rasa_speedups.close_kept_sessions()) == 0
        assert not theirs.closed
        assert other_loop.run_until_complete(rasa_speedups.close_kept_sessions()) == 1
        assert theirs.closed
    finally:
        other_loop.close()


@pytest.mark.parametrize(
    ("environ", "version"),
    [({"RASA_SPEEDUPS": "off"}, "3.6.21"), ({"RASA_SPEEDUPS": "0"}, "3.6.21"), ({}, "3.7.0"), ({}, "3.6.20")],
)
def test_switch_or_an_untested_rasa_leaves_stock_rasa(environ, version, caplog) -> None:
    """Nothing is replaced, and one log line says why."""
    before = (RemoteAction._validate_action_result, rasa.core.processor.DaskGraphRunner, EndpointConfig.session)
    with caplog.at_level("WARNING"):
        assert rasa_speedups.apply(environ=environ, rasa_version=version) is False
    assert (RemoteAction._validate_action_result, rasa.core.processor.DaskGraphRunner, EndpointConfig.session) == before
    assert [r.message for r in caplog.records if "running stock Rasa" in r.message] != []


def test_the_installed_rasa_is_a_tested_version() -> None:
    """Upgrading Rasa fails here first: re-check each replacement (docs/upgrading-rasa.md), then add the version."""
    assert rasa.__version__ in rasa_speedups.TESTED_RASA_VERSIONS
