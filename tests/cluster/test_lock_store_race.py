"""One conversation's messages reaching both Rasa servers at once: Rasa's RedisLockStore against the atomic one.

Each round, every conversation sends two messages at the same moment, one straight to each Rasa server, and
waits for both answers before the next round. With a lock store that works, the two turns run one after the
other: PostgreSQL then holds every message once, each followed by its answer, and no message of a round before
one of the round before it. The same traffic runs against Rasa's own ``RedisLockStore`` (``type: redis``) and
against ``rasa_extensions.atomic_redis_lock_store.AtomicRedisLockStore``; the test prints both counts.
"""

from __future__ import annotations

import asyncio
import os
import re
import time

import aiohttp

from cluster.stack import ATOMIC_LOCK_STORE, STOCK_LOCK_STORE, Cluster
from tests.cluster.conftest import restart_rasa_servers
from tests.cluster.stored import StoreCheck, check_store

CONVERSATIONS = int(os.environ.get("RACE_CONVERSATIONS", "30"))
ROUNDS = int(os.environ.get("RACE_ROUNDS", "6"))
# make test runs the atomic store only (Rasa's own can stall a conversation for its 60 s ticket lifetime once it
# loses a ticket); make cluster-soak runs both and requires Rasa's own to show the problem.
LOCK_STORES = {"redis": STOCK_LOCK_STORE, "atomic": ATOMIC_LOCK_STORE}
RUN = os.environ.get("RACE_LOCK_STORES", "atomic").split()
# The race is a matter of timing: Rasa's store lost 5, 2 and 0 of 1,200 messages in three runs of make
# cluster-soak. Its run is repeated (fresh conversations) until it shows a problem, at most this many times.
STOCK_ATTEMPTS = max(1, int(os.environ.get("RACE_STOCK_ATTEMPTS", "1")))
QUESTIONS = ("does it hurt?", "how much is it?", "how long is the downtime?", "is it safe?")


def round_of(text: str) -> int:
    return int(re.search(r"#(\d+)", text).group(1))


async def race(cluster: Cluster, label: str) -> tuple[StoreCheck, dict[int, int], float]:
    """Every conversation: ROUNDS rounds of two simultaneous messages, one to each Rasa server."""
    urls = [f"{url}/webhooks/rest/webhook" for url in cluster.rasa_urls]
    acknowledged: dict[str, list[str]] = {}
    sent: dict[str, set[str]] = {}
    statuses: dict[int, int] = {}

    async def post(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> None:
        sent[sender].add(text)
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as reply:
                await reply.read()
                status = reply.status
        except (aiohttp.ClientError, asyncio.TimeoutError):
            status = 0
        statuses[status] = statuses.get(status, 0) + 1
        if status == 200:
            acknowledged[sender].append(text)

    async def conversation(session: aiohttp.ClientSession, sender: str) -> None:
        acknowledged[sender], sent[sender] = [], set()
        for number in range(ROUNDS):
            question = QUESTIONS[number % len(QUESTIONS)]
            await asyncio.gather(
                *(post(session, url, sender, f"{question} #{number} via server {n}") for n, url in enumerate(urls, 1))
            )

    began = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=90)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as session:
        await asyncio.gather(*(conversation(session, f"race-{label}-{i}") for i in range(CONVERSATIONS)))
    seconds = time.monotonic() - began
    return check_store(cluster.database_url, acknowledged, sent, order=round_of), statuses, seconds


def problems(result: tuple[StoreCheck, dict[int, int], float]) -> int:
    check, statuses, _ = result
    return check.problems + sum(n for s, n in statuses.items() if s != 200)


def report(lock_store: str, result: tuple[StoreCheck, dict[int, int], float]) -> None:
    check, statuses, seconds = result
    print(
        f"\n{lock_store}: {CONVERSATIONS} conversations x {ROUNDS} rounds of 2 simultaneous messages "
        f"({2 * CONVERSATIONS * ROUNDS} messages) in {seconds:.1f} s, HTTP statuses {statuses}; "
        f"{check.summary()}; problems {problems(result)}"
    )
    for kind in ("lost", "duplicated", "reordered", "unanswered"):
        for line in getattr(check, kind)[:3]:
            print(f"  e.g. {kind}: {line}")


def test_the_atomic_lock_store_keeps_one_conversation_in_order_across_two_servers(cluster: Cluster) -> None:
    results = {}
    for label, lock_store in ((("stock" if name == "redis" else name), LOCK_STORES[name]) for name in RUN):
        restart_rasa_servers(cluster, lock_store)
        attempts = STOCK_ATTEMPTS if label == "stock" else 1
        for attempt in range(1, attempts + 1):
            results[label] = asyncio.run(race(cluster, f"{label}-{attempt}"))
            report(f"{lock_store} (run {attempt} of at most {attempts})", results[label])
            if problems(results[label]):
                break
    atomic_check, atomic_statuses, _ = results["atomic"]
    assert atomic_check.problems == 0, atomic_check.summary()
    assert atomic_statuses == {200: 2 * CONVERSATIONS * ROUNDS}, atomic_statuses
    if "stock" not in results:
        return
    # Rasa's own store loses a few messages in a thousand here, so a short run may see none: the long run
    # (make cluster-soak, RACE_EXPECT_STOCK_PROBLEMS=1) requires one of its runs to show it.
    if os.environ.get("RACE_EXPECT_STOCK_PROBLEMS") == "1":
        assert problems(results["stock"]) > 0, f"Rasa's RedisLockStore showed no problem in {STOCK_ATTEMPTS} runs"
