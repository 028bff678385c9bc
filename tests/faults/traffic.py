"""Bounded REST traffic on 127.0.0.1 for the fault and soak tests, and what the database kept of it.

Each conversation sends its messages one after another (as a visitor does)
until told to stop or its message budget is spent. Every
message text is unique, so the test can tell which acknowledged messages the
tracker store really holds.
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import os
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

# How long a visitor waits for an answer before counting it as an error (the widget waits REQUEST_TIMEOUT_MS).
CLIENT_TIMEOUT_S = float(os.environ.get("SOAK_CLIENT_TIMEOUT_S", "30"))
CROSSED = -1  # a pseudo status: the answer was addressed to another conversation
QUESTIONS = ("does it hurt?", "and what about 1 mm needles?", "how much is it?", "how long is the downtime?")


@dataclass(frozen=True)
class Sent:
    """One message and how the server answered it."""

    sender: str
    text: str
    status: int  # 0 when the connection failed
    seconds: float
    at: float
    replies: int
    error: str = ""  # the client's exception when there was no HTTP answer

    @property
    def acknowledged(self) -> bool:
        return self.status == 200


def post_message(url: str, sender: str, text: str, timeout: float = 30.0) -> tuple[int, int]:
    """(HTTP status, number of replies); status 0 when the server could not be reached, CROSSED when a reply
    was addressed to another conversation."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            replies = json.loads(reply.read())
            if any(item.get("recipient_id") != sender for item in replies):
                return CROSSED, len(replies)
            return reply.status, len(replies)
    except urllib.error.HTTPError as error:
        error.read()
        return error.code, 0
    except (OSError, http.client.HTTPException, ValueError):  # refused, reset, cut off half-way, not JSON
        return 0, 0


class Conversations:
    """``count`` visitors chatting at once until ``stop()`` or ``messages_each`` messages each.

    An asyncio client (aiohttp, one kept-alive connection per visitor) in a thread of its own, so 200 visitors
    cost the 2-core machine little next to the servers, and the test thread stays free to inject faults.
    Visitors join over ``ramp_s`` seconds rather than all in the same millisecond.
    """

    def __init__(
        self, url: str, prefix: str, count: int, messages_each: int, pause_s: float = 0.0, ramp_s: float = 2.0
    ) -> None:
        self.url = url
        self.senders = [f"{prefix}-{index}" for index in range(count)]
        self.messages_each = messages_each
        self.pause_s = pause_s
        self.ramp_s = ramp_s
        self.sent: list[Sent] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._all()), daemon=True)

    def start(self) -> Conversations:
        self._thread.start()
        return self

    def stop(self, timeout: float = 60.0) -> list[Sent]:
        self._stop.set()
        return self.join(timeout)

    def join(self, timeout: float = 600.0) -> list[Sent]:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "a conversation hung"
        return self.sent

    async def _all(self) -> None:
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            await asyncio.gather(*(self._chat(session, index, sender) for index, sender in enumerate(self.senders)))

    async def _chat(self, session: aiohttp.ClientSession, index: int, sender: str) -> None:
        await asyncio.sleep(self.ramp_s * index / max(1, len(self.senders)))
        for number in range(self.messages_each):
            if self._stop.is_set():
                return
            text = f"{QUESTIONS[number % len(QUESTIONS)]} #{number}"
            began = time.perf_counter()
            status, replies, error = await self._post(session, sender, text)
            self.sent.append(Sent(sender, text, status, time.perf_counter() - began, time.monotonic(), replies, error))
            if self.pause_s or status == 0:
                await asyncio.sleep(self.pause_s or 0.1)  # no connection: the server is restarting

    def _answered(self, sender: str, text: str, replies: list[dict]) -> None:
        """Called with each 200 answer; a subclass may keep it (the cluster soak checks what was answered)."""

    async def _post(self, session: aiohttp.ClientSession, sender: str, text: str) -> tuple[int, int, str]:
        try:
            async with session.post(self.url, json={"sender": sender, "message": text}) as reply:
                body = await reply.read()
                if reply.status != 200:
                    return reply.status, 0, ""
                replies = json.loads(body)
                self._answered(sender, text, replies)
                if any(item.get("recipient_id") != sender for item in replies):
                    return CROSSED, len(replies), ""
                return 200, len(replies), ""
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            return 0, 0, type(error).__name__


def stored_user_messages(database: Path, senders: Iterable[str]) -> set[tuple[str, str]]:
    """(sender, text) of every user message the SQLite file holds for ``senders``."""
    return set(stored_user_message_counts(database, senders))


def stored_user_message_counts(database: Path, senders: Iterable[str]) -> Counter[tuple[str, str]]:
    """How often the SQLite file holds each (sender, text) user message of ``senders``."""
    wanted = list(senders)
    with sqlite3.connect(database) as connection:
        rows = itertools.chain.from_iterable(
            connection.execute(
                "SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id = ?", (sender,)
            ).fetchall()
            for sender in wanted
        )
        return Counter((sender, json.loads(data)["text"]) for sender, data in rows)


def lost(sent: Iterable[Sent], stored: set[tuple[str, str]]) -> list[Sent]:
    """Acknowledged messages the database does not hold."""
    return [item for item in sent if item.acknowledged and (item.sender, item.text) not in stored]
