"""Rasa's own SQL tracker store for PostgreSQL, telling the channel when a conversation was not stored.

Why: Rasa wraps every tracker store in ``FailSafeTrackerStore``, which catches
a failed ``save`` or ``retrieve``, logs it and carries on in memory, so while
PostgreSQL restarts a visitor gets ``200`` and an answer for a message that
was never stored. The SQLite store already reports its failures through
``rasa_extensions.save_watch`` (the REST channel then answers 503, "send it
again"); this class does the same for Rasa's ``SQLTrackerStore``, and refuses to
save a conversation whose history it could not read (that save would store a
fresh session in the middle of it). It also checks a pooled connection before
using it (SQLAlchemy's ``pool_pre_ping``), so the first message after a
PostgreSQL restart gets a new connection instead of the dead one.

The table, the queries and what is written are Rasa's own (``make report`` and
anything reading Rasa's SQL schema read it unchanged).

    tracker_store:
      type: rasa_extensions.postgres_tracker_store.PostgresTrackerStore
      dialect: postgresql
      url: 127.0.0.1
      port: 5432
      db: rasa
      username: rasa
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import SQLAlchemyError

from rasa_extensions.save_watch import report_failure


class TrackerNotStoredError(RuntimeError):
    """The conversation could not be read or written; the channel has been told."""


class PostgresTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` (PostgreSQL by default) whose read and write failures reach the channel."""

    engine: Any  # set by SQLTrackerStore.__init__ (untyped), replaced below

    def __init__(self, domain: Any = None, dialect: str = "postgresql", password: str | None = None, **kwargs: Any):
        # endpoints.yml passes every key it has; the Redis-only ones mean nothing here.
        for unused in ("retention_days", "url"):
            kwargs.pop(unused, None)
        super().__init__(domain=domain, dialect=dialect or "postgresql", password=password or None, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._unreadable: set[str] = set()

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        try:
            tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        except SQLAlchemyError as error:
            self._unreadable.add(sender_id)
            report_failure(sender_id, f"read failed: {type(error).__name__}")
            raise TrackerNotStoredError(f"Could not read conversation {sender_id}: {error}") from error
        self._unreadable.discard(sender_id)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        if sender_id in self._unreadable:
            report_failure(sender_id, "write refused: its stored history could not be read first")
            raise TrackerNotStoredError(f"Conversation {sender_id} not stored: its history could not be read")
        try:
            await super().save(tracker)
        except SQLAlchemyError as error:
            report_failure(sender_id, f"write failed: {type(error).__name__}")
            raise TrackerNotStoredError(f"Conversation {sender_id} was not stored: {error}") from error
