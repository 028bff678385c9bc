"""Load generator: replays whole conversations against a REST webhook from its own process.

``python -m bench.load --url http://127.0.0.1:PORT/webhooks/rest/webhook --mix ours --concurrency 16
--messages 800 --max-seconds 60 --warmup 32 --out run.json``

It runs in a process of its own so its CPU time and garbage collection never land inside the servers being
measured, only on 127.0.0.1. Each of ``concurrency`` workers holds one keep-alive connection and plays one
conversation after another, each with a sender id used nowhere else, so every conversation starts a fresh
tracker as a new visitor would. A run stops at ``messages`` measured messages or ``max-seconds``, whichever
comes first; ``warmup`` messages go first (other senders, same concurrency) and are not measured, so lazy
imports, TensorFlow graph tracing and SQLite's first writes stay out of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp

from bench.workload import MIX_NAMES, conversations_of

REQUEST_TIMEOUT_S = 30.0


@dataclass
class Budget:
    """Shared stop condition of one phase: message count and wall-clock deadline."""

    remaining: int
    deadline: float

    def take(self) -> bool:
        if self.remaining <= 0 or time.monotonic() >= self.deadline:
            return False
        self.remaining -= 1
        return True


@dataclass
class PhaseResult:
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped_by: str = "count"


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str, result: PhaseResult) -> None:
    """One message; a reply counts as good only if it is HTTP 200 with at least one bot message."""
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as reply:
            body = await reply.read()
            elapsed = time.perf_counter() - started
            if reply.status == 200 and json.loads(body):
                result.latencies_s.append(elapsed)
                return
            problem = f"HTTP {reply.status}: {body[:120]!r}"
    except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError) as error:
        problem = f"{type(error).__name__}: {error}"
    result.errors += 1
    if len(result.error_samples) < 5:
        result.error_samples.append(problem)


async def worker(
    index: int, concurrency: int, url: str, mix: str, label: str, budget: Budget, result: PhaseResult
) -> None:
    conversations = conversations_of(mix)
    connector = aiohttp.TCPConnector(limit=1)  # one keep-alive connection per simulated visitor stream
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        number = 0
        while True:
            conversation = conversations[(index + number * concurrency) % len(conversations)]
            sender = f"bench-{label}-w{index}-c{number}"
            for text in conversation:
                if not budget.take():
                    return
                await send(session, url, sender, text, result)
            number += 1


async def run_phase(url: str, mix: str, concurrency: int, messages: int, max_seconds: float, label: str) -> PhaseResult:
    """Drive ``concurrency`` workers until the phase's budget is spent; the phase's wall time is measured."""
    result = PhaseResult()
    started = time.monotonic()
    budget = Budget(messages, started + max_seconds)
    await asyncio.gather(*(worker(i, concurrency, url, mix, label, budget, result) for i in range(concurrency)))
    result.seconds = time.monotonic() - started
    result.stopped_by = "count" if budget.remaining <= 0 else "time"
    return result


async def run(args: argparse.Namespace) -> dict:
    run_id = args.run_id or uuid.uuid4().hex[:8]
    if args.warmup:
        warm = await run_phase(args.url, args.mix, args.concurrency, args.warmup, args.max_seconds, f"{run_id}-warm")
        if not warm.latencies_s:
            raise SystemExit(f"warm-up got no good reply: {warm.error_samples}")
    measured = await run_phase(
        args.url, args.mix, args.concurrency, args.messages, args.max_seconds, f"{run_id}-c{args.concurrency}"
    )
    return {"mix": args.mix, "concurrency": args.concurrency, "requested_messages": args.messages, **asdict(measured)}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--mix", choices=MIX_NAMES, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--messages", type=int, default=300, help="measured messages (upper bound)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="wall-clock cap of each phase")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured messages first")
    parser.add_argument("--run-id", default="")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    host = args.url.split("//", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    if host not in {"127.0.0.1", "localhost", "[::1]"}:
        parser.error("the load generator only targets this machine (127.0.0.1)")
    if args.concurrency < 1 or args.messages < 1:
        parser.error("concurrency and messages must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    result = asyncio.run(run(args))
    args.out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
