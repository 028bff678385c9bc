"""One message at a time per conversation, and only a few waiting, before Rasa sees them.

Why: Rasa's in-memory lock store lets a waiting message of the same
conversation poll once a second, so a visitor's burst of 20 messages took up to
19 s and beyond ~60 queued messages the rest hung. Here a conversation's
messages wait on an ``asyncio.Lock`` (woken the moment the previous answer is
done, in arrival order) so Rasa's lock is always free when they reach it, and a
conversation with ``max_in_flight`` messages already in flight is refused at
once (the REST webhook answers 429) instead of queueing without bound.

A message whose turn has come then takes one of the server's turn slots
(channels/turn_slots.py), shared by every conversation and channel, so the
server answers a few messages at a time, first come first served.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import TracebackType

from channels.turn_slots import TurnSlots, server_turn_slots

MAX_IN_FLIGHT_PER_SENDER = 4


@dataclass
class _Line:
    """The messages of one conversation that are waiting or being answered."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    in_flight: int = 0


class SenderGate:
    """Per-conversation admission: ``admit`` or refuse now, then ``async with`` the ticket to take a turn."""

    def __init__(self, max_in_flight: int = MAX_IN_FLIGHT_PER_SENDER, slots: TurnSlots | None = None) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be >= 1")
        self.max_in_flight = max_in_flight
        self.slots = slots if slots is not None else server_turn_slots()
        self._lines: dict[str, _Line] = {}

    def in_flight(self, sender: str) -> int:
        line = self._lines.get(sender)
        return line.in_flight if line else 0

    def admit(self, sender: str) -> _Ticket | None:
        """A ticket for this message, or ``None`` when the conversation already has ``max_in_flight`` in flight."""
        line = self._lines.setdefault(sender, _Line())
        if line.in_flight >= self.max_in_flight:
            return None
        line.in_flight += 1
        return _Ticket(self, sender, line)

    def _leave(self, sender: str, line: _Line) -> None:
        line.in_flight -= 1
        if line.in_flight == 0 and self._lines.get(sender) is line:
            del self._lines[sender]  # idle conversations cost no memory


class _Ticket:
    """Holds one place in a conversation's line; ``async with`` waits for its turn and leaves the line after."""

    def __init__(self, gate: SenderGate, sender: str, line: _Line) -> None:
        self._gate = gate
        self._sender = sender
        self._line = line

    async def __aenter__(self) -> None:
        try:
            await self._line.lock.acquire()
        except BaseException:  # cancelled while waiting (the client went away): give the place back
            self._gate._leave(self._sender, self._line)
            raise
        try:
            await self._gate.slots.__aenter__()
        except BaseException:
            self._line.lock.release()
            self._gate._leave(self._sender, self._line)
            raise

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self._gate.slots.__aexit__(exc_type, exc, traceback)
        self._line.lock.release()
        self._gate._leave(self._sender, self._line)
