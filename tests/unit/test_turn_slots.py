"""The server's turn slots: a few turns at once, the rest answered in the order they came."""

from __future__ import annotations

import asyncio

import pytest

from channels.sender_gate import SenderGate
from channels.turn_slots import DEFAULT_MAX_CONCURRENT_TURNS, TurnSlots, max_concurrent_turns


async def take_turns(slots: TurnSlots, count: int, hold_s: float = 0.01) -> tuple[list[int], int]:
    """``count`` messages arriving one after another; returns the order their turns began and the most at once."""
    began: list[int] = []
    running = most = 0

    async def turn(number: int) -> None:
        nonlocal running, most
        async with slots:
            began.append(number)
            running += 1
            most = max(most, running)
            await asyncio.sleep(hold_s)
            running -= 1

    tasks = []
    for number in range(count):
        tasks.append(asyncio.create_task(turn(number)))
        await asyncio.sleep(0)  # each arrives after the one before
    await asyncio.gather(*tasks)
    return began, most


def test_no_more_turns_than_slots_and_first_come_first_served() -> None:
    began, most = asyncio.run(take_turns(TurnSlots(3), 20))
    assert most == 3
    assert began == list(range(20))


def test_a_newcomer_never_takes_a_slot_freed_for_a_waiter() -> None:
    """A message arriving the moment a turn ends waits behind the one already waiting."""

    async def scenario() -> list[str]:
        slots, order = TurnSlots(1), []

        async def waiter() -> None:
            async with slots:
                order.append("waiter")

        await slots.__aenter__()  # a turn under way
        waiting = asyncio.create_task(waiter())
        await asyncio.sleep(0)  # the waiter is in line
        await slots.__aexit__(None, None, None)  # the turn ends
        async with slots:  # and a newcomer arrives in the same instant
            order.append("newcomer")
        await waiting
        return order

    assert asyncio.run(scenario()) == ["waiter", "newcomer"]


def test_a_waiter_that_gives_up_frees_its_place_and_no_slot_is_lost() -> None:
    async def scenario() -> tuple[int, list[int]]:
        slots = TurnSlots(1)
        holder_done = asyncio.Event()

        async def holder() -> None:
            async with slots:
                await holder_done.wait()

        async def waiter() -> None:
            async with slots:
                raise AssertionError("a cancelled waiter took its turn")

        holding = asyncio.create_task(holder())
        await asyncio.sleep(0)
        leaving = asyncio.create_task(waiter())
        await asyncio.sleep(0)
        leaving.cancel()  # the visitor went away while waiting
        holder_done.set()
        await holding
        with pytest.raises(asyncio.CancelledError):
            await leaving
        began, _ = await take_turns(slots, 3)
        return slots.running, began

    running, began = asyncio.run(scenario())
    assert running == 0
    assert began == [0, 1, 2]


def test_zero_means_no_limit() -> None:
    _, most = asyncio.run(take_turns(TurnSlots(0), 30, hold_s=0.02))
    assert most == 30


def test_the_number_of_slots_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("RASA_MAX_CONCURRENT_TURNS", "3")
    assert max_concurrent_turns() == 3
    monkeypatch.setenv("RASA_MAX_CONCURRENT_TURNS", "0")
    assert max_concurrent_turns() == 0
    for unusable in ("", "many", "-2", "1.5"):
        monkeypatch.setenv("RASA_MAX_CONCURRENT_TURNS", unusable)
        assert max_concurrent_turns() == DEFAULT_MAX_CONCURRENT_TURNS


def test_sender_gate_turns_share_the_servers_slots() -> None:
    """Two channels' gates, many conversations: never more turns at once than the shared slots."""

    async def scenario() -> int:
        slots = TurnSlots(2)
        gates = [SenderGate(slots=slots), SenderGate(slots=slots)]
        running = most = 0

        async def message(gate: SenderGate, sender: str) -> None:
            nonlocal running, most
            ticket = gate.admit(sender)
            assert ticket is not None
            async with ticket:
                running += 1
                most = max(most, running)
                await asyncio.sleep(0.01)
                running -= 1

        await asyncio.gather(*(message(gates[n % 2], f"visitor-{n % 5}") for n in range(20)))
        return most

    assert asyncio.run(scenario()) == 2
