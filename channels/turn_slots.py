"""At most a few turns answered at once per Rasa server; the other messages wait, first come first served.

Why: Rasa starts answering every message the moment it arrives, and all turns
share one event loop. Past what the CPU can do, every turn's steps queue behind
every other turn's, so all answers slow down together, and a message on a new
connection, which needs more rounds of the loop before its handler even starts,
waits longest. Measured on `make cluster` with 200 visitors asking back to back
(docs/cluster.md): returning visitors got answers in about 1 s while new
visitors' first messages took 24 s on average and up to 52 s, past the widget's
30 s timeout, and `/health` took 3 s to answer. With a few turns at a time the loop
stays quick, new connections are read at once, and waiting messages are
answered in the order they came.

The number of slots is ``RASA_MAX_CONCURRENT_TURNS`` (default 8). A turn that
waits on the action server or the database keeps its slot, so the number is a
trade: too few and one slow dependency holds up every visitor; too many and the
loop is slow again. 0 turns the limit off.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from types import TracebackType

MAX_CONCURRENT_TURNS_VARIABLE = "RASA_MAX_CONCURRENT_TURNS"
DEFAULT_MAX_CONCURRENT_TURNS = 8


class TurnSlots:
    """A first-come-first-served semaphore: a freed slot goes to the message that waited longest.

    Written out rather than asyncio.Semaphore, whose fairness and handling of
    cancelled waiters changed between Python releases (bpo-45997, gh-90155):
    here the order, and a waiter leaving, are this file's and tested.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def __aenter__(self) -> TurnSlots:
        if self.limit <= 0:
            return self
        if self.running < self.limit and not self._waiting:
            self.running += 1
            return self
        slot: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(slot)
        try:
            await slot  # resolved by _hand_on, which passes its slot on without freeing it
        except asyncio.CancelledError:
            if slot.done() and not slot.cancelled():
                self._hand_on()  # the slot arrived as the client went away: pass it to the next one
            else:
                self._waiting.remove(slot)
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.limit > 0:
            self._hand_on()

    def _hand_on(self) -> None:
        """Give a finished turn's slot to the longest-waiting message, or free it."""
        while self._waiting:
            slot = self._waiting.popleft()
            if not slot.done():
                slot.set_result(None)
                return
        self.running -= 1


def max_concurrent_turns() -> int:
    """``RASA_MAX_CONCURRENT_TURNS``, or the default when unset or not a whole number >= 0."""
    value = os.environ.get(MAX_CONCURRENT_TURNS_VARIABLE, "").strip()
    if value.isdigit():
        return int(value)
    return DEFAULT_MAX_CONCURRENT_TURNS


_server_slots: TurnSlots | None = None


def server_turn_slots() -> TurnSlots:
    """The one set of slots every channel of this Rasa server shares (created on first use)."""
    global _server_slots
    if _server_slots is None:
        _server_slots = TurnSlots(max_concurrent_turns())
    return _server_slots
