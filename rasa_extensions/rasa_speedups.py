"""Measured fixes for Rasa 3.6's per-message overhead, applied before the server starts.

Both come from profiling the Rasa server (see docs/performance.md, Where the time goes):

1. A third of its CPU time per message was in ``RemoteAction._validate_action_result``:
   it calls ``jsonschema.validate``, which first re-checks Rasa's large events
   schema itself against the JSON Schema meta-schema, every time a custom
   action answers. The schema never changes, so this builds the validator once
   and validates each action-server reply against it: the same checks, the
   same ``ValidationError`` for a bad reply, about 45 ms -> 1.7 ms per call.
2. Once the model itself got fast, Rasa's dask graph runner was the largest
   single cost left (~2 ms per message): each of the three graph runs per
   message (NLU, then a policy prediction per action) rebuilt a dask graph and
   its minimal schema and went through dask's scheduler. ``SequentialGraphRunner``
   runs the same nodes in the same dependency order directly, with the order
   worked out once per set of targets. Training keeps Rasa's dask runner.
3. Every custom action call opened a new aiohttp session, and with it a new
   TCP connection to the action server, and closed both afterwards (~1 ms of
   CPU per message in aiohttp's connection set-up, plus the action server's
   side). ``shared_session`` keeps one session per endpoint and event loop,
   so calls reuse a kept-alive connection. Rasa's shutdown hook then closes
   those sessions too, as Rasa closed each of its own after every call.

Each fix replaces or calls something inside Rasa (``RemoteAction``'s private
validator, the processor's graph runner class, ``EndpointConfig.session``, the
server's shutdown hook, ``DaskGraphRunner._add_inputs_to_graph``), which a Rasa
upgrade may change without notice. So ``apply`` installs them only on the Rasa
versions in ``TESTED_RASA_VERSIONS`` (where tests/unit/test_rasa_speedups.py
compares each with Rasa's own behaviour) and only while ``RASA_SPEEDUPS`` is
not ``off``; otherwise the server runs stock Rasa, and says so in one log line.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Mapping
from typing import Any

import aiohttp
import rasa
import rasa.core.processor
import rasa.core.run
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions.speedups_switch import SWITCH_VARIABLE, switched_off

logger = logging.getLogger(__name__)

# The Rasa versions these replacements were checked against, line by line and by the unit tests.
TESTED_RASA_VERSIONS = frozenset({"3.6.21"})

# The client lets an idle connection go after 3 s, before the action server's
# (Sanic's 5 s keep-alive) closes it: a call never lands on a closing socket.
KEEP_ALIVE_S = 3.0

# Every session shared_session opened, with its loop, so shutdown can close them.
_KEPT_SESSIONS: list[tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = []

# Rasa's own shutdown hook, kept before apply() replaces it so applying twice cannot wrap it twice.
_RASA_CLOSE_RESOURCES = rasa.core.run.close_resources

_ERROR_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the Action endpoint "
    f"is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
)


@functools.lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    """Rasa's own response schema, checked against its meta-schema once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result``: raises the error Rasa would raise."""
    error = best_match(_action_response_validator().iter_errors(result))
    if error is not None:
        error.message += _ERROR_HINT
        raise error
    return True


class SequentialGraphRunner(DaskGraphRunner):
    """Rasa's prediction graph run node by node in dependency order, without building a dask graph per call.

    Same contract as ``DaskGraphRunner.run``: inputs are named values, each
    node receives the ``(node name, output)`` pairs of the nodes it needs, a
    ``RuntimeError`` inside a node becomes ``GraphRunError``, and the result
    maps each target to its output.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: dict[tuple[str, ...], list[str]] = {}

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        order = self._execution_order(run_targets)
        # Rasa's own step: refuses an input named like a needed node, adds (name, value) for each input.
        results: dict[str, Any] = dict.fromkeys(order)
        self._add_inputs_to_graph(inputs, results)
        nodes = self._graph_schema.nodes
        try:
            for node_name in order:
                needed = (results[dependency] for dependency in nodes[node_name].needs.values())
                results[node_name] = self._instantiated_nodes[node_name](*needed)
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)

    def _execution_order(self, targets: tuple[str, ...]) -> list[str]:
        """The nodes the targets need, each after everything it needs (cached per set of targets)."""
        if targets not in self._orders:
            nodes = self._graph_schema.nodes
            order: list[str] = []

            def visit(name: str) -> None:
                if name in order or name not in nodes:  # not a node: a run input such as __message__
                    return
                for dependency in nodes[name].needs.values():
                    visit(dependency)
                order.append(name)

            for target in targets:
                visit(target)
            self._orders[targets] = order
        return self._orders[targets]


class _KeptSession:
    """``async with`` yields the endpoint's long-lived session and leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc_info: object) -> None:
        return None


def shared_session(self: EndpointConfig) -> _KeptSession:
    """Drop-in for ``EndpointConfig.session``: the same headers, auth and timeout, one session per event loop.

    Rasa only uses ``session()`` as ``async with endpoint.session() as session``
    inside a coroutine, so a running loop is always there to key on.
    """
    loop = asyncio.get_running_loop()
    kept = self.__dict__.get("_kept_session")
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        session = aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_S),
        )
        kept = (loop, session)
        self.__dict__["_kept_session"] = kept
        _KEPT_SESSIONS[:] = [(owner, open_) for owner, open_ in _KEPT_SESSIONS if not open_.closed]
        _KEPT_SESSIONS.append(kept)
    return _KeptSession(kept[1])


async def close_kept_sessions() -> int:
    """Close the kept sessions of the running loop; how many were still open.

    Without this the server's last kept connection is left for the garbage
    collector, which warns about an unclosed client session at exit.
    """
    loop = asyncio.get_running_loop()
    still_open = [session for owner, session in _KEPT_SESSIONS if owner is loop and not session.closed]
    for session in still_open:
        await session.close()
    _KEPT_SESSIONS[:] = [(owner, session) for owner, session in _KEPT_SESSIONS if not session.closed]
    return len(still_open)


async def close_resources_and_kept_sessions(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    """Rasa's ``after_server_stop`` hook (event broker, lock store), then the kept sessions."""
    try:
        await _RASA_CLOSE_RESOURCES(app, loop)
    finally:
        await close_kept_sessions()


def why_not_applied(environ: Mapping[str, str], rasa_version: str) -> str | None:
    """The reason to run stock Rasa instead, or None when the replacements may be installed."""
    if switched_off(environ):
        return f"{SWITCH_VARIABLE}={environ[SWITCH_VARIABLE]}"
    if rasa_version not in TESTED_RASA_VERSIONS:
        tested = ", ".join(sorted(TESTED_RASA_VERSIONS))
        return f"Rasa {rasa_version} is not a version they were tested on ({tested}); see docs/upgrading-rasa.md"
    return None


def apply(environ: Mapping[str, str] | None = None, rasa_version: str | None = None) -> bool:
    """Install all three fixes (idempotent) on a tested Rasa with the switch on; whether they were installed."""
    reason = why_not_applied(os.environ if environ is None else environ, rasa_version or rasa.__version__)
    if reason is not None:
        logger.warning(f"Rasa speed-ups not applied ({reason}): running stock Rasa.")
        return False
    RemoteAction._validate_action_result = validate_action_result
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
    EndpointConfig.session = shared_session
    rasa.core.run.close_resources = close_resources_and_kept_sessions
    return True
