"""Bounded REST traffic on 127.0.0.1 for the fault and soak tests, and what the database kept of it.

Each conversation is one thread that sends its messages one after another
(as a visitor does) until told to stop or its message budget is spent. Every
message text is unique, so the test can tell which acknowledged messages the
tracker store really holds.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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

    @property
    def acknowledged(self) -> bool:
        return self.status == 200


def post_message(url: str, sender: str, text: str, timeout: float = 30.0) -> tuple[int, int]:
    """(HTTP status, number of replies); status 0 when the server could not be reached."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            replies = json.loads(reply.read())
            assert all(item["recipient_id"] == sender for item in replies), "a reply for another conversation"
            return reply.status, len(replies)
    except urllib.error.HTTPError as error:
        error.read()
        return error.code, 0
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, 0


class Conversations:
    """``count`` visitors chatting at once until ``stop()`` or ``messages_each`` messages each."""

    def __init__(self, url: str, prefix: str, count: int, messages_each: int, pause_s: float = 0.0) -> None:
        self.url = url
        self.senders = [f"{prefix}-{index}" for index in range(count)]
        self.messages_each = messages_each
        self.pause_s = pause_s
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._chat, args=(sender,), daemon=True) for sender in self.senders]

    def start(self) -> Conversations:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 60.0) -> list[Sent]:
        self._stop.set()
        return self.join(timeout)

    def join(self, timeout: float = 600.0) -> list[Sent]:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in self._threads), "a conversation hung"
        return self.sent

    def _chat(self, sender: str) -> None:
        for number in range(self.messages_each):
            if self._stop.is_set():
                return
            text = f"{QUESTIONS[number % len(QUESTIONS)]} #{number}"
            began = time.perf_counter()
            status, replies = post_message(self.url, sender, text)
            with self._lock:
                self.sent.append(Sent(sender, text, status, time.perf_counter() - began, time.monotonic(), replies))
            if self.pause_s:
                time.sleep(self.pause_s)


def stored_user_messages(database: Path, senders: Iterable[str]) -> set[tuple[str, str]]:
    """(sender, text) of every user message the SQLite file holds for ``senders``."""
    wanted = list(senders)
    with sqlite3.connect(database) as connection:
        rows = itertools.chain.from_iterable(
            connection.execute(
                "SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id = ?", (sender,)
            ).fetchall()
            for sender in wanted
        )
        return {(sender, json.loads(data)["text"]) for sender, data in rows}


def lost(sent: Iterable[Sent], stored: set[tuple[str, str]]) -> list[Sent]:
    """Acknowledged messages the database does not hold."""
    return [item for item in sent if item.acknowledged and (item.sender, item.text) not in stored]
