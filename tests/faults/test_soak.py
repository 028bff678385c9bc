"""Load and faults on the supervised single-machine stack (``make run``'s launcher, SQLite store).

Short by default (part of ``make test``); ``make soak`` runs the full size:
10,000 messages from 200 concurrent conversations, then, under load, a
SIGKILL of each server and SQLite locked by another process for 20 s. Counted
against the database afterwards: errors, replies addressed to another
conversation, acknowledged messages missing and messages stored twice, with
the recovery time of each fault. All traffic goes to 127.0.0.1 and every
phase is bounded in messages and time.
"""

from __future__ import annotations

import math
import os
import signal
import time
from collections import Counter

from actions.knowledge_loader import DEFAULT_KNOWLEDGE_FILE, load_knowledge_base
from bench.procfs import status_kib
from tests.faults.conftest import write_lock_held
from tests.faults.supervised import Launched, launched
from tests.faults.test_supervised_stack import ask
from tests.faults.traffic import CROSSED, Conversations, Sent, lost, stored_user_message_counts

KNOWLEDGE = load_knowledge_base(DEFAULT_KNOWLEDGE_FILE)
MESSAGES = int(os.environ.get("SOAK_MESSAGES", "600"))
CONVERSATIONS = int(os.environ.get("SOAK_CONVERSATIONS", "20"))
LOCK_S = float(os.environ.get("SOAK_LOCK_S", "5"))
# Visitors join over this many seconds. Noticed, not fixed: a conversation's first message waits behind the
# follow-ups of conversations already running, so 200 joining within 2 s on a busy 2-core machine left the
# last ones up to 30 s for their first answer (the client gives up at 30 s, as the widget does).
RAMP_S = float(os.environ.get("SOAK_RAMP_S", "2"))
FAULT_CONVERSATIONS = min(CONVERSATIONS, 40)
PHASE_LIMIT_S = 600.0
RECOVERY_LIMIT_S = 120.0


def check_stored(stack: Launched, sent: list[Sent]) -> tuple[int, int]:
    """(acknowledged messages missing from the database, messages stored more than once)."""
    counts = stored_user_message_counts(stack.database, {item.sender for item in sent})
    return len(lost(sent, set(counts))), sum(1 for count in counts.values() if count > 1)


def until_answered(stack: Launched, expected: str, began: float) -> float:
    """Seconds from ``began`` until a fresh question gets ``expected`` as its answer."""
    number = 0
    while True:
        assert time.monotonic() - began < RECOVERY_LIMIT_S, stack.log_text()[-3000:]
        number += 1
        status, texts = ask(stack.webhook_url, f"soak-recovery-{int(began)}-{number}", "how much is it?")
        if status == 200 and texts and texts[0] == expected:
            return time.monotonic() - began
        time.sleep(0.2)


def test_load_then_faults_under_load(tmp_path) -> None:
    with launched(tmp_path, "soak") as stack:
        context = "soak-context"
        assert ask(stack.webhook_url, context, "Does microneedling hurt?")[1][0] == KNOWLEDGE.faqs["ask_pain"].answer

        # 1. Load: every conversation asks its share of questions, one after another.
        rss_before = status_kib(stack.rasa_pid, "VmRSS") / 1024
        began = time.monotonic()
        each = math.ceil(MESSAGES / CONVERSATIONS)
        load = Conversations(stack.webhook_url, "soak-load", CONVERSATIONS, each, ramp_s=RAMP_S)
        sent = load.start().join(PHASE_LIMIT_S)
        seconds = time.monotonic() - began
        rss_after = status_kib(stack.rasa_pid, "VmRSS") / 1024
        errors = [item for item in sent if item.status != 200]
        latencies = sorted(item.seconds for item in sent)
        p50, p95, p99 = (latencies[int(len(latencies) * share)] for share in (0.5, 0.95, 0.99))
        missing, duplicated = check_stored(stack, sent)
        print(
            f"\nload: {len(sent)} messages from {CONVERSATIONS} conversations (joining over {RAMP_S:g} s) "
            f"in {seconds:.1f} s "
            f"({len(sent) / seconds:.0f} msg/s), {len(errors)} errors {Counter(i.error or i.status for i in errors)}, "
            f"{sum(item.status == CROSSED for item in sent)} crossed, {missing} acknowledged but missing, "
            f"{duplicated} stored twice; latency p50/p95/p99/max {p50:.2f}/{p95:.2f}/{p99:.2f}/{latencies[-1]:.2f} s; "
            f"Rasa RSS {rss_before:.0f} -> {rss_after:.0f} MiB"
        )
        assert len(sent) >= MESSAGES
        assert errors == [] and missing == 0 and duplicated == 0

        # 2. Faults under load.
        cost = KNOWLEDGE.faqs["ask_cost"].answer
        traffic = Conversations(stack.webhook_url, "soak-faults", FAULT_CONVERSATIONS, 1_000_000, pause_s=0.1).start()
        time.sleep(2)
        killed = time.monotonic()
        os.kill(stack.action_pid, signal.SIGKILL)
        action_recovery = until_answered(stack, cost, killed)
        killed = time.monotonic()
        os.kill(stack.rasa_pid, signal.SIGKILL)
        rasa_recovery = until_answered(stack, cost, killed)
        locked = time.monotonic()
        with write_lock_held(stack.database):
            time.sleep(LOCK_S)
        lock_recovery = until_answered(stack, cost, time.monotonic())
        time.sleep(2)
        sent = traffic.stop()
        missing, duplicated = check_stored(stack, sent)
        statuses = {status: sum(item.status == status for item in sent) for status in {item.status for item in sent}}
        during_lock = [item for item in sent if locked <= item.at - item.seconds <= locked + LOCK_S]
        print(
            f"faults: {len(sent)} messages from {FAULT_CONVERSATIONS} conversations, statuses {statuses} "
            f"(0 = no connection while Rasa restarted), {missing} acknowledged but missing, {duplicated} stored "
            f"twice; action server SIGKILL -> answering after {action_recovery:.1f} s, Rasa SIGKILL -> "
            f"{rasa_recovery:.1f} s, SQLite locked {LOCK_S:g} s -> {lock_recovery:.1f} s after the lock went; "
            f"slowest answer while locked {max((i.seconds for i in during_lock), default=0):.1f} s"
        )
        assert missing == 0 and duplicated == 0
        assert set(statuses) <= {200, 503, 0}, statuses
        assert stack.process.poll() is None

        # 3. The conversation from before both crashes goes on with its context.
        follow_up = ask(stack.webhook_url, context, "and what about 1 mm needles?")[1]
        assert follow_up == [KNOWLEDGE.faqs["ask_pain"].variant("needle_length", "1.0 mm")]
