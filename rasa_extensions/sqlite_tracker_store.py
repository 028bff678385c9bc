"""The default tracker store: Rasa's SQL tracker store schema in SQLite, without SQLAlchemy on the hot path.

Why: profiling `make bench` showed Rasa's ``SQLTrackerStore`` spending about
7 ms of CPU per message in SQLAlchemy's ORM (building the session-start
subquery, a ``COUNT`` before every save, one ORM object per event), the same on
tmpfs as on disk. That was a third of the server's time per message.

What stays the same: the ``events`` table, its columns and what a row holds,
so ``rasa export``, SQL tooling and a later switch to ``TRACKER_STORE_TYPE=sql``
read the same database; Rasa's own class still creates the table and still
serves ``keys()`` and the full history. What changes:

- The current session is read with two indexed SQLite statements instead of
  the ORM query.
- A save inserts only the events this process has not stored yet. The store
  remembers, per conversation, how many of the tracker's events are already in
  the database (set by every read and save), so it needs no ``COUNT`` query.
  That is exact while this server is the only writer, which a SQLite file
  behind Rasa's in-memory lock store already requires. A conversation it has
  not seen since start falls back to Rasa's count.
- Events are rebuilt with their classes looked up once per event name; Rasa's
  ``from_dict`` walks every ``Event`` subclass for every stored event (~0.6 ms
  a message in the profile).
- WAL journal and ``synchronous=NORMAL``: a commit no longer waits for the
  disk. A crash of the process loses nothing; a power cut can lose the last
  messages, which for an FAQ conversation is an acceptable trade.

Faults are reported, never hidden (see rasa_extensions/save_watch.py). Every SQLite
call runs on one of two worker threads (one reads, one writes), so a slow disk
or another process holding the database lock never freezes the event loop,
and with it every other conversation. A save waits at most
``WRITE_DEADLINE_S`` (queue and lock together), then fails with
``TrackerNotStoredError``: the channel answers "please try again" (REST: 503)
instead of acknowledging a message that was not stored.

It also deletes conversations nobody has written to for ``retention_days``
(endpoints.yml, from ``TRACKER_RETENTION_DAYS``): an FAQ assistant needs a
conversation's history only while the conversation lasts, and the messages
may describe someone's health. The check runs at start and then hourly, in
batches so no single write holds the database for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import logging
import os
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from rasa_extensions.retention import SECONDS_PER_DAY, retention_seconds
from rasa_extensions.save_watch import report_failure

logger = logging.getLogger(__name__)
T = TypeVar("T")

REMEMBERED_CONVERSATIONS = 10_000  # stored-event counts kept in memory (a few hundred kB)
RETENTION_CHECK_INTERVAL_S = 3600.0
PURGE_BATCH = 200  # conversations deleted per transaction
# A save gives up after this long, waiting in line and for another writer's lock together: the visitor is
# told to try again within seconds instead of every conversation queueing behind a locked database.
WRITE_DEADLINE_S = 5.0
READ_BUSY_TIMEOUT_S = 5.0  # in WAL mode reads wait only for recovery or a checkpoint, never for writers

_LATEST_SESSION_START = "SELECT MAX(timestamp) FROM events WHERE sender_id = ? AND type_name = ?"
_ALL_EVENTS = "SELECT data FROM events WHERE sender_id = ? ORDER BY id"
_EVENTS_SINCE = "SELECT data FROM events WHERE sender_id = ? AND timestamp >= ? ORDER BY id"
_EXPIRED_SENDERS = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < ? LIMIT ?"
_DELETE_CONVERSATION = "DELETE FROM events WHERE sender_id = ?"
_INSERT = (
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?, ?, ?, ?, ?, ?)"
)


@functools.cache
def _event_class(type_name: str) -> type[Event] | None:
    """Rasa's lookup (``Event.resolve_by_type``), done once per name: an unknown name still raises ``ValueError``."""
    return Event.resolve_by_type(type_name)


def _events(rows: list[tuple[str]]) -> list[Event]:
    """What ``rasa.shared.core.events.deserialise_events`` makes of the stored JSON, without its per-event search."""
    events = []
    for (data,) in rows:
        parameters = json.loads(data)
        event_class = _event_class(parameters["event"]) if "event" in parameters else None
        event = event_class._from_parameters(parameters) if event_class is not None else None
        if event is not None:  # Rasa skips rows without a type and the retired "topic" events too
            events.append(event)
    return events


class NotSQLiteError(ValueError):
    """The configured URL is not a SQLite file; the message says which store to use instead."""


class TrackerNotStoredError(RuntimeError):
    """A conversation could not be read or written; the message names the conversation and the cause."""


class StoreBusyError(RuntimeError):
    """A save waited ``WRITE_DEADLINE_S`` in line and was not tried."""


def _make_private(database: str) -> None:
    """Owner-only access to the database and its WAL files (SQLite gives new WAL files the database's mode).

    The conversations may describe someone's health; a file readable by every user of the machine leaks them.
    """
    for path in (database, f"{database}-wal", f"{database}-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, 0o600)


def _connect(database: str) -> sqlite3.Connection:
    return sqlite3.connect(database, isolation_level=None, check_same_thread=False, timeout=READ_BUSY_TIMEOUT_S)


class SQLiteTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store for a local SQLite file, with a lean read and write path."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        retention_days: Any = 0,
        **kwargs: Any,
    ) -> None:
        retention_s = retention_seconds(retention_days)
        url = make_url(host or "sqlite:///rasa.db")
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            raise NotSQLiteError(
                f"{type(self).__name__} stores conversations in a SQLite file, got {url.render_as_string()!r}. "
                "For PostgreSQL or another server database set TRACKER_STORE_TYPE=sql."
            )
        # Only the SQL store's own arguments: endpoints.yml also carries Redis settings (port, db, password).
        super().__init__(domain=domain, host=str(url), event_broker=event_broker)
        _make_private(url.database)
        self._writer = _connect(url.database)
        self._writer.execute("PRAGMA journal_mode=WAL")
        self._writer.execute("PRAGMA synchronous=NORMAL")
        self._reader = _connect(url.database)
        # One thread per connection: SQLite calls leave the event loop, and each connection is used by one thread.
        self._read_thread = ThreadPoolExecutor(1, thread_name_prefix="tracker-read")
        self._write_thread = ThreadPoolExecutor(1, thread_name_prefix="tracker-write")
        self._stored_counts: OrderedDict[str, int] = OrderedDict()
        # Conversations whose last read failed: saving a tracker built without their history would corrupt them.
        self._unreadable: set[str] = set()
        self._retention_s = retention_s
        self._last_retention_check = time.monotonic()
        self.delete_expired_conversations()

    async def _in_thread(self, executor: ThreadPoolExecutor, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(executor, functools.partial(work, *args))

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """The conversation since its latest session start (or all of it), as Rasa's query selects it."""
        try:
            rows = await self._in_thread(self._read_thread, self._read_rows, sender_id, fetch_events_from_all_sessions)
        except sqlite3.Error as error:
            self._unreadable.add(sender_id)
            self._stored_counts.pop(sender_id, None)
            report_failure(sender_id, f"read failed: {error}")
            raise TrackerNotStoredError(f"Could not read conversation {sender_id}: {error}") from error
        self._unreadable.discard(sender_id)
        if fetch_events_from_all_sessions:
            # A whole-history tracker is longer than the current session: its next save counts in SQL, as Rasa does.
            self._stored_counts.pop(sender_id, None)
        else:
            self._remember(sender_id, len(rows))
        if not rows or not self.domain:
            return None
        return DialogueStateTracker.from_events(sender_id, _events(rows), self.domain.slots)

    def _read_rows(self, sender_id: str, fetch_events_from_all_sessions: bool) -> list[tuple[str]]:
        """(Read thread.) The stored JSON of the conversation's current session, or of all of it."""
        session_start = None
        if not fetch_events_from_all_sessions:
            (session_start,) = self._reader.execute(
                _LATEST_SESSION_START, (sender_id, SessionStarted.type_name)
            ).fetchone()
        if session_start is None:
            return self._reader.execute(_ALL_EVENTS, (sender_id,)).fetchall()
        return self._reader.execute(_EVENTS_SINCE, (sender_id, session_start)).fetchall()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the tracker's events that are not in the database yet, in one transaction.

        Raises ``TrackerNotStoredError`` (and tells the channel, rasa_extensions/save_watch.py) when they could not be.
        """
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        try:
            if sender_id in self._unreadable:
                raise TrackerNotStoredError("its stored history could not be read first")
            submitted = time.monotonic()
            stored = self._stored_counts.get(sender_id)
            if stored is None:
                stored = await self._in_thread(self._write_thread, self._count_stored, sender_id)
            rows = self._new_rows(tracker, stored)
            if rows:
                await self._in_thread(self._write_thread, self._insert, rows, submitted)  # all of them or none
        except (sqlite3.Error, SQLAlchemyError, StoreBusyError, TrackerNotStoredError) as error:
            report_failure(sender_id, f"write failed: {error}")
            raise TrackerNotStoredError(f"Conversation {sender_id} was not stored: {error}") from error
        self._remember(sender_id, stored + len(rows))
        if time.monotonic() - self._last_retention_check >= RETENTION_CHECK_INTERVAL_S:
            self._last_retention_check = time.monotonic()
            try:
                self._forget(await self._in_thread(self._write_thread, self._purge_expired))
            except sqlite3.Error as error:
                logger.warning("Could not delete expired conversations now (retried in an hour): %s", error)

    def _count_stored(self, sender_id: str) -> int:
        """(Write thread.) Rasa's own count of the current session's stored events."""
        with self.session_scope() as session:
            return self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()

    def _new_rows(self, tracker: DialogueStateTracker, stored: int) -> list[tuple]:
        """One ``events`` row per event after the first ``stored`` ones."""
        rows = []
        for event in itertools.islice(tracker.events, stored, None):  # the new events, without copying the rest
            data = event.as_dict()
            rows.append(
                (
                    tracker.sender_id,
                    event.type_name,
                    data.get("timestamp"),
                    data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    data.get("name"),
                    json.dumps(data),
                )
            )
        return rows

    def _insert(self, rows: list[tuple], submitted: float) -> None:
        """(Write thread.) Insert ``rows`` unless the save already waited ``WRITE_DEADLINE_S`` since ``submitted``."""
        remaining = WRITE_DEADLINE_S - (time.monotonic() - submitted)
        if remaining <= 0:
            raise StoreBusyError(f"the database was busy for {WRITE_DEADLINE_S:g} s")
        self._writer.execute(f"PRAGMA busy_timeout = {max(1, int(remaining * 1000))}")
        self._in_one_transaction(_INSERT, rows)

    def delete_expired_conversations(self) -> int:
        """Delete every conversation whose newest event is older than the retention period; returns how many."""
        senders = self._purge_expired()
        self._forget(senders)
        return len(senders)

    def _purge_expired(self) -> list[str]:
        """(Write thread, or before the server starts.) Delete expired conversations; their sender ids."""
        if not self._retention_s:
            return []
        cutoff = time.time() - self._retention_s
        self._writer.execute(f"PRAGMA busy_timeout = {int(WRITE_DEADLINE_S * 1000)}")
        deleted: list[str] = []
        while senders := [row[0] for row in self._writer.execute(_EXPIRED_SENDERS, (cutoff, PURGE_BATCH))]:
            self._in_one_transaction(_DELETE_CONVERSATION, [(sender,) for sender in senders])
            deleted += senders
        if deleted:
            logger.info(
                "Deleted %d conversations idle for more than %g days.",
                len(deleted),
                self._retention_s / SECONDS_PER_DAY,
            )
        return deleted

    def _forget(self, senders: list[str]) -> None:
        for sender in senders:
            self._stored_counts.pop(sender, None)

    def _in_one_transaction(self, statement: str, rows: list[tuple]) -> None:
        """``statement`` for every row, committed together or not at all (the connection autocommits otherwise).

        ``BEGIN IMMEDIATE`` takes the write lock first, waiting for it under the busy timeout.
        """
        with self._writer:
            self._writer.execute("BEGIN IMMEDIATE")
            self._writer.executemany(statement, rows)

    def _remember(self, sender_id: str, stored_events: int) -> None:
        self._stored_counts[sender_id] = stored_events
        self._stored_counts.move_to_end(sender_id)
        while len(self._stored_counts) > REMEMBERED_CONVERSATIONS:
            self._stored_counts.popitem(last=False)
