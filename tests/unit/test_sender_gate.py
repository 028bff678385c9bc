"""The per-conversation gate: a few messages in flight, served one at a time in arrival order."""

from __future__ import annotations

import asyncio

import pytest

from channels.sender_gate import SenderGate


def test_beyond_max_in_flight_a_conversation_is_refused_and_others_are_not() -> None:
    async def scenario() -> None:
        gate = SenderGate(max_in_flight=2)
        first, second = gate.admit("a"), gate.admit("a")
        assert first and second
        assert gate.admit("a") is None
        assert gate.admit("b") is not None

    asyncio.run(scenario())


def test_turns_are_taken_one_at_a_time_in_arrival_order_and_places_are_freed() -> None:
    async def scenario() -> None:
        gate = SenderGate(max_in_flight=4)
        order: list[int] = []
        active = 0

        async def message(number: int) -> None:
            nonlocal active
            ticket = gate.admit("a")
            assert ticket is not None
            async with ticket:
                active += 1
                assert active == 1
                await asyncio.sleep(0.01)
                order.append(number)
                active -= 1

        await asyncio.gather(*(message(n) for n in range(4)))
        assert order == [0, 1, 2, 3]
        assert gate.in_flight("a") == 0
        assert gate.admit("a") is not None

    asyncio.run(scenario())


def test_a_waiter_cancelled_in_line_gives_its_place_back() -> None:
    async def scenario() -> None:
        gate = SenderGate(max_in_flight=2)
        holder = gate.admit("a")
        await holder.__aenter__()

        async def wait_in_line() -> None:
            async with gate.admit("a"):
                pass

        waiting = asyncio.create_task(wait_in_line())
        await asyncio.sleep(0)
        assert gate.in_flight("a") == 2
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert gate.in_flight("a") == 1
        await holder.__aexit__(None, None, None)
        assert gate.in_flight("a") == 0

    asyncio.run(scenario())
