"""The atomic Redis lock store against a real ``redis-server`` (started here on 127.0.0.1, a free port).

Skipped where Debian's ``redis-server`` is not installed (``make unit`` installs it). Each "server" is a
lock-store instance with its own connections, as each Rasa server has; threads make them race.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from cluster.stack import REDIS_SERVER, tcp_answers
from rasa_extensions.atomic_redis_lock_store import AtomicRedisLockStore
from service.launcher import free_port

SERVERS, TICKETS_EACH = 8, 150


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    if shutil.which(REDIS_SERVER) is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not tcp_answers(port, b"PING\r\n", b"+PONG"):
            assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def atomic(port: int, **settings) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(host="127.0.0.1", port=port, db=1, **settings)


def issue_from_many_servers(make_store, conversation: str) -> list[int]:
    """SERVERS stores (one per thread) each issue TICKETS_EACH tickets for one conversation at once."""
    stores = [make_store() for _ in range(SERVERS)]
    issued: list[int] = []
    start = threading.Barrier(SERVERS)

    def issue(store) -> None:
        start.wait()
        numbers = [store.issue_ticket(conversation, 60) for _ in range(TICKETS_EACH)]
        issued.extend(numbers)

    threads = [threading.Thread(target=issue, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return issued


def test_rasas_own_redis_lock_store_hands_out_the_same_ticket_twice(redis_port: int) -> None:
    """The finding this store exists for (RasaHQ/rasa#9213), shown rather than assumed."""
    issued = issue_from_many_servers(lambda: RedisLockStore(host="127.0.0.1", port=redis_port, db=2), "stock")
    duplicated = sum(count - 1 for count in Counter(issued).values() if count > 1)
    kept = len(RedisLockStore(host="127.0.0.1", port=redis_port, db=2).get_lock("stock").tickets)
    print(f"\nRasa's RedisLockStore: {len(issued)} tickets issued, {duplicated} duplicates, {kept} kept in the lock")
    assert len(issued) == SERVERS * TICKETS_EACH
    assert duplicated > 0 and kept < len(issued)


def test_every_ticket_is_unique_and_kept_whatever_the_number_of_servers(redis_port: int) -> None:
    issued = issue_from_many_servers(lambda: atomic(redis_port), "atomic")
    assert sorted(issued) == list(range(1, SERVERS * TICKETS_EACH + 1))
    lock = atomic(redis_port).get_lock("atomic")
    assert [ticket.number for ticket in lock.tickets] == sorted(issued)
    atomic(redis_port).delete_lock("atomic")


def test_tickets_are_served_in_the_order_they_were_issued(redis_port: int) -> None:
    first_server, second_server = atomic(redis_port), atomic(redis_port)
    one = first_server.issue_ticket("order")
    two = second_server.issue_ticket("order")
    three = first_server.issue_ticket("order")
    lock = second_server.get_lock("order")
    assert lock.now_serving == one and not lock.is_locked(one) and lock.is_locked(two) and lock.is_locked(three)
    second_server.cleanup("order", one)
    assert first_server.get_lock("order").now_serving == two
    first_server.cleanup("order", three)  # finishing out of turn leaves the one before it waiting
    assert [t.number for t in first_server.get_lock("order").tickets] == [two]
    first_server.cleanup("order", two)
    assert first_server.get_lock("order") is None
    assert first_server.red.exists(*first_server._keys("order")) == 0  # nothing left behind in Redis


def test_expired_tickets_are_dropped_and_the_keys_expire(redis_port: int) -> None:
    store = atomic(redis_port)
    store.issue_ticket("expiry", lock_lifetime=0.2)
    fresh = store.issue_ticket("expiry", lock_lifetime=60)
    assert store.red.pttl(store._keys("expiry")[0]) > 50_000
    time.sleep(0.3)
    store.update_lock("expiry")
    assert [t.number for t in store.get_lock("expiry").tickets] == [fresh]
    store.cleanup("expiry", fresh)
    store.issue_ticket("short", lock_lifetime=0.2)
    time.sleep(0.4)
    assert store.red.exists(*store._keys("short")) == 0


def test_save_lock_replaces_the_lock_in_one_step(redis_port: int) -> None:
    store = atomic(redis_port)
    for _ in range(3):
        store.issue_ticket("saved")
    lock = store.get_lock("saved")
    lock.remove_ticket_for(2)
    store.save_lock(lock)
    assert [t.number for t in store.get_lock("saved").tickets] == [1, 3]
    assert store.issue_ticket("saved") == 4  # numbering continues after the highest ticket
    store.delete_lock("saved")
    assert store.get_lock("saved") is None


def test_two_servers_answer_one_conversation_one_turn_at_a_time(redis_port: int) -> None:
    """Rasa's ``async with lock_store.lock(sender)`` on two stores: turns never overlap and keep ticket order."""
    servers = [atomic(redis_port, poll_interval_s=0.01), atomic(redis_port, poll_interval_s=0.01)]
    inside: list[int] = []
    overlaps: list[int] = []
    order: list[int] = []

    async def turn(store: AtomicRedisLockStore, number: int) -> None:
        async with store.lock("turns"):
            inside.append(number)
            if len(inside) > 1:
                overlaps.append(number)
            order.append(number)
            await asyncio.sleep(0.005)
            inside.remove(number)

    async def all_turns() -> None:
        tasks = []
        for number in range(40):
            tasks.append(asyncio.create_task(turn(servers[number % 2], number)))
            await asyncio.sleep(0)  # tickets are issued as each task starts, in this order
        await asyncio.gather(*tasks)

    asyncio.run(asyncio.wait_for(all_turns(), 30))
    assert overlaps == [] and order == list(range(40))
    assert servers[0].get_lock("turns") is None


def test_loaded_from_endpoints_yml_with_string_values(redis_port: int) -> None:
    """What ``lock_store: type: rasa_extensions.atomic_redis_lock_store.AtomicRedisLockStore`` gives Rasa."""
    config = EndpointConfig(
        url="127.0.0.1",
        type="rasa_extensions.atomic_redis_lock_store.AtomicRedisLockStore",
        port=str(redis_port),
        db="3",
        password="",
    )
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.red.connection_pool.connection_kwargs["db"] == 3
    assert store.issue_ticket("from-yml") == 1
    store.delete_lock("from-yml")


def test_redis_down_is_a_lock_error(redis_port: int) -> None:
    store = AtomicRedisLockStore(host="127.0.0.1", port=free_port(), db=1, socket_timeout=1)
    with pytest.raises(LockError):
        store.issue_ticket("nobody-home")


def test_a_held_ticket_is_renewed_and_a_dead_servers_ticket_expires(redis_port: int) -> None:
    """A live server keeps its ticket past the lifetime; a ticket nobody renews stops blocking after it."""
    live = atomic(redis_port, lock_lifetime_s=0.3, poll_interval_s=0.01)
    other = atomic(redis_port, lock_lifetime_s=0.3, poll_interval_s=0.01)

    async def hold_long() -> bool:
        async with live.lock("renewed") as lock:
            number = lock.now_serving
            await asyncio.sleep(0.8)
            return [t.number for t in other.get_lock("renewed").tickets] == [number]

    assert asyncio.run(hold_long())
    assert live.get_lock("renewed") is None

    other.issue_ticket("dead-server", lock_lifetime=0.3)  # its server died before answering

    async def wait_behind_the_dead() -> float:
        began = time.monotonic()
        async with live.lock("dead-server"):
            return time.monotonic() - began

    assert 0.2 < asyncio.run(wait_behind_the_dead()) < 2


def start_redis(port: int) -> subprocess.Popen:
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not tcp_answers(port, b"PING\r\n", b"+PONG"):
        assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    return process


def test_a_message_waits_out_a_short_redis_outage(redis_port: int) -> None:
    """Redis down when the message arrives, back 0.5 s later: the turn runs then, instead of failing."""
    port = free_port()
    store = AtomicRedisLockStore(host="127.0.0.1", port=port, db=1, socket_timeout=1, redis_outage_wait_s=5)
    later: list[subprocess.Popen] = []
    starter = threading.Timer(0.5, lambda: later.append(start_redis(port)))
    starter.start()

    async def take_turn() -> tuple[int, float]:
        began = time.monotonic()
        async with store.lock("outage") as lock:
            return lock.now_serving, time.monotonic() - began

    try:
        serving, waited = asyncio.run(take_turn())
        assert serving == 1
        assert 0.4 < waited < 5
        assert store.get_lock("outage") is None  # released once Redis was back
    finally:
        starter.join()
        for process in later:
            process.terminate()
            process.wait(10)


def test_a_redis_outage_longer_than_the_wait_is_a_lock_error() -> None:
    store = AtomicRedisLockStore(host="127.0.0.1", port=free_port(), db=1, socket_timeout=1, redis_outage_wait_s=0.3)

    async def take_turn() -> None:
        async with store.lock("nobody-home"):
            raise AssertionError("the turn ran without a lock")

    began = time.monotonic()
    with pytest.raises(LockError):
        asyncio.run(take_turn())
    assert 0.25 < time.monotonic() - began < 3


def test_a_ticket_redis_lost_is_not_issued_again(redis_port: int) -> None:
    """Redis restarted (every key gone) while a message waited behind a turn: that message fails, unstored,
    rather than taking a new ticket and running beside the turn still under way."""
    holder, waiter = atomic(redis_port, poll_interval_s=0.01), atomic(redis_port, poll_interval_s=0.01)
    order: list[str] = []

    async def hold() -> None:
        async with holder.lock("lost"):
            order.append("holder in")
            await asyncio.sleep(0.2)
            holder.red.flushdb()  # what a Redis restart without persistence leaves
            await asyncio.sleep(0.2)
            order.append("holder out")

    async def wait_behind() -> None:
        await asyncio.sleep(0.05)
        try:
            async with waiter.lock("lost"):
                order.append("waiter in")
        except LockError:
            order.append("waiter refused")

    async def both() -> None:
        await asyncio.gather(hold(), wait_behind())

    asyncio.run(both())
    assert order == ["holder in", "waiter refused", "holder out"]
