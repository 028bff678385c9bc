"""Load and faults on the cluster through nginx: what the visitors saw, and what PostgreSQL kept.

Short by default (in ``make test`` through ``make cluster-test``): 300 messages from 20 conversations, then a
Rasa server killed under load. ``make cluster-soak`` runs the full size: 10,000 messages from 200 conversations,
then, under load, a Rasa server killed (SIGKILL), both action servers killed, PostgreSQL restarted and Redis
restarted, each brought back by the cluster's watchers. Counted: errors, crossed conversations (an answer
addressed to another sender, or not the answer to this sender's message), and in PostgreSQL messages lost,
stored twice, stored out of order or (under load) stored without their answer; per fault, the answers visitors
got, their latency, how long until a new question was answered right and until the server was back.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from channels.unavailable import unavailable_reply
from cluster.stack import ATOMIC_LOCK_STORE, Cluster, ClusterServer, Watchers
from tests.cluster.conftest import log, restart_rasa_servers
from tests.cluster.stored import check_store, place
from tests.faults.test_supervised_stack import ask
from tests.faults.traffic import CROSSED, QUESTIONS, Conversations, Sent

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
MESSAGES = int(os.environ.get("CLUSTER_SOAK_MESSAGES", "300"))
CONVERSATIONS = int(os.environ.get("CLUSTER_SOAK_CONVERSATIONS", "20"))
RAMP_S = float(os.environ.get("CLUSTER_SOAK_RAMP_S", "2"))
FAULTS = os.environ.get("CLUSTER_SOAK_FAULTS", "rasa").split()
# The faults are injected under the load phase's number of conversations unless told otherwise.
FAULT_CONVERSATIONS = int(os.environ.get("CLUSTER_SOAK_FAULT_CONVERSATIONS", str(CONVERSATIONS)))
# After each recovery the traffic runs this long before the next fault, so that the messages counted for one
# fault are not still waiting out the one before (under the full load an answer takes several seconds).
SETTLE_S = float(os.environ.get("CLUSTER_SOAK_SETTLE_S", "3"))
PHASE_LIMIT_S = 900.0
RECOVERY_LIMIT_S = 120.0
UNAVAILABLE = unavailable_reply()


class AnsweredConversations(Conversations):
    """``Conversations`` that also keeps each answer's texts, to check it answers this sender's message."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.texts: dict[tuple[str, str], list[str]] = {}

    def _answered(self, sender: str, text: str, replies: list[dict]) -> None:
        self.texts[(sender, text)] = [item.get("text", "") for item in replies]


def reference_answers(cluster: Cluster, count: int) -> list[list[str]]:
    """The answers one conversation gets to the soak's messages in order (every conversation sends the same)."""
    answers = []
    for number in range(count):
        status, texts = ask(cluster.webhook_url, "soak-reference", f"{QUESTIONS[number % len(QUESTIONS)]} #{number}")
        assert status == 200, status
        answers.append(texts)
    return answers


def by_sender(sent: list[Sent], acknowledged_only: bool) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for item in sent:
        if item.acknowledged or not acknowledged_only:
            texts.setdefault(item.sender, []).append(item.text)
    return texts


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p50, p99 = (ordered[min(len(ordered) - 1, int(len(ordered) * share))] for share in (0.5, 0.99))
    return f"p50 {p50:.2f} s, p99 {p99:.2f} s, max {ordered[-1]:.2f} s"


@dataclass
class Fault:
    name: str
    servers: list[ClusterServer]
    signal: int
    began: float = 0.0
    answering_s: float = 0.0  # until a new question (sent after the fault, waiting its turn) was answered right
    back_s: float = 0.0  # until every killed server was running and ready again
    ended: float = 0.0


def inject(fault: Fault, cluster: Cluster, number: int) -> None:
    """Signal the fault's servers, then wait until a new question is answered right and they are back.

    The two are timed apart: under load a probe question waits its turn like everyone's, so the servers'
    return is watched in a thread of its own, and each time is taken when it was seen.
    """
    cost = KNOWLEDGE.faqs["ask_cost"].answer
    old = {server.name: server.process.pid for server in fault.servers}
    back_at: list[float] = []

    def watch_servers() -> None:
        while time.monotonic() - fault.began < RECOVERY_LIMIT_S:
            if all(
                server.process.pid != old[server.name] and server.process.poll() is None and server.ready()
                for server in fault.servers
            ):
                back_at.append(time.monotonic())
                return
            time.sleep(0.1)

    fault.began = time.monotonic()
    for server in fault.servers:
        os.kill(server.process.pid, fault.signal)
    watcher = threading.Thread(target=watch_servers, daemon=True)
    watcher.start()
    probe = 0
    while True:
        assert time.monotonic() - fault.began < RECOVERY_LIMIT_S, f"{fault.name}: no right answer"
        probe += 1
        status, texts = ask(cluster.webhook_url, f"soak-probe-{number}-{probe}", "how much is it?")
        if status == 200 and texts and texts[0] == cost:
            fault.answering_s = time.monotonic() - fault.began
            break
        time.sleep(0.2)
    watcher.join(RECOVERY_LIMIT_S)
    assert back_at, f"{fault.name}: not back after {RECOVERY_LIMIT_S:.0f} s"
    fault.back_s = back_at[0] - fault.began
    time.sleep(SETTLE_S)  # let the traffic run on the recovered cluster before the next fault
    fault.ended = time.monotonic()


def fault_plan(cluster: Cluster, names: list[str]) -> list[Fault]:
    plan = {
        "rasa": Fault("one Rasa server SIGKILLed", cluster.named("rasa-1"), signal.SIGKILL),
        "actions": Fault("both action servers SIGKILLed", cluster.named("actions-"), signal.SIGKILL),
        "postgres": Fault("PostgreSQL restarted (fast shutdown)", cluster.named("postgres"), signal.SIGINT),
        "redis": Fault("Redis restarted (SIGTERM)", cluster.named("redis"), signal.SIGTERM),
    }
    return [plan[name] for name in names]


def test_load_then_faults_through_nginx(cluster: Cluster) -> None:
    if cluster.lock_store != ATOMIC_LOCK_STORE:
        restart_rasa_servers(cluster, ATOMIC_LOCK_STORE)
    each = math.ceil(MESSAGES / CONVERSATIONS)
    reference = reference_answers(cluster, each)
    context = "soak-context"
    assert ask(cluster.webhook_url, context, "Does microneedling hurt?")[1][0] == KNOWLEDGE.faqs["ask_pain"].answer

    # 1. Load through nginx, spread over both Rasa servers.
    began = time.monotonic()
    load = AnsweredConversations(cluster.webhook_url, "soak-load", CONVERSATIONS, each, ramp_s=RAMP_S)
    sent = load.start().join(PHASE_LIMIT_S)
    seconds = time.monotonic() - began
    errors = [item for item in sent if item.status not in (200, CROSSED)]
    crossed = [item for item in sent if item.status == CROSSED]
    wrong = [
        item
        for item in sent
        if item.acknowledged and load.texts[(item.sender, item.text)] != reference[place(item.text)]
    ]
    stored = check_store(
        cluster.database_url, by_sender(sent, True), {k: set(v) for k, v in by_sender(sent, False).items()}
    )
    log(
        f"load: {len(sent)} messages from {CONVERSATIONS} conversations (joining over {RAMP_S:g} s) through nginx "
        f"in {seconds:.1f} s ({len(sent) / seconds:.0f} msg/s); {len(errors)} errors "
        f"{dict(Counter(i.error or i.status for i in errors))}, {len(crossed)} answers addressed to another "
        f"conversation, {len(wrong)} not the answer to the sender's message; latency "
        f"{percentiles([i.seconds for i in sent])}; PostgreSQL: {stored.summary()}"
    )
    for item in wrong[:3]:
        log(f"  e.g. {item.sender} '{item.text}' got {load.texts[(item.sender, item.text)][:1]}")
    assert len(sent) >= MESSAGES
    assert errors == [] and crossed == [] and wrong == [], "load: errors or crossed conversations"
    assert stored.problems == 0, stored.summary()

    # 2. Faults under load, each brought back by the watchers.
    with Watchers(cluster, log) as watchers:
        traffic = AnsweredConversations(
            cluster.webhook_url, "soak-faults", FAULT_CONVERSATIONS, 1_000_000, pause_s=0.1
        ).start()
        time.sleep(3)
        faults = fault_plan(cluster, FAULTS)
        for number, fault in enumerate(faults):
            inject(fault, cluster, number)
        sent = traffic.stop()
    assert watchers.restarts, "no server was restarted"
    for fault in faults:
        # Every message answered (or failed) from the fault until the next one: a message sent before the
        # fault and still waiting when it came counts here, and one still waiting at the next fault counts there.
        window = [item for item in sent if fault.began <= item.at < fault.ended]
        statuses = Counter(item.status for item in window)
        unavailable = sum(
            UNAVAILABLE in load_texts for load_texts in (traffic.texts.get((i.sender, i.text), []) for i in window)
        )
        log(
            f"fault: {fault.name}: {len(window)} messages answered from the fault until {SETTLE_S:g} s after recovery, "
            f"statuses {dict(statuses)} (0 = no answer), {unavailable} 'temporarily unavailable' answers, latency "
            f"{percentiles([i.seconds for i in window])}; a new question answered right after "
            f"{fault.answering_s:.1f} s, server(s) back after {fault.back_s:.1f} s"
        )
        failed = sorted(round(item.at - item.seconds - fault.began, 1) for item in window if item.status != 200)
        log(f"  failed messages sent at (s after the fault): {failed[:40]}")
        if fault.name.startswith("one Rasa"):
            assert statuses[200] > 0, "nothing answered while one Rasa server was down"
    crossed = [item for item in sent if item.status == CROSSED]
    stored = check_store(
        cluster.database_url, by_sender(sent, True), {k: set(v) for k, v in by_sender(sent, False).items()},
        need_answers=False,
    )  # fmt: skip
    log(
        f"faults: {len(sent)} messages from {FAULT_CONVERSATIONS} conversations, statuses "
        f"{dict(Counter(i.status for i in sent))}, {len(crossed)} crossed; PostgreSQL: {stored.summary()}"
    )
    assert crossed == []
    assert not stored.lost and not stored.duplicated and not stored.reordered, stored.summary()
    assert set(Counter(i.status for i in sent)) <= {200, 500, 502, 503, 0}

    # 3. The conversation from before the faults goes on with its context, on whichever server.
    follow_up = ask(cluster.webhook_url, context, "and what about 1 mm needles?")[1]
    assert follow_up == [KNOWLEDGE.faqs["ask_pain"].variant("needle_length", "1.0 mm")]
