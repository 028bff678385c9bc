"""Read the tracker store's ``events`` table (Rasa's SQL schema) without ever writing to it.

Why read-only and row-level: the report runs next to a live assistant, so it
must not lock, migrate or change the store, and loading 100,000 events through
Rasa's own ``Event`` classes would cost most of the time budget (importing Rasa
alone takes seconds). The SQLite file is opened with ``mode=ro``; any other
SQLAlchemy URL (PostgreSQL through Rasa's ``sql`` store) is read in a
``READ ONLY`` transaction where the database supports one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

# Only these rows carry what the report needs in their JSON; the rest need their columns only.
_JSON_TYPES = ("user", "bot", "slot")
_READ_TYPES = (*_JSON_TYPES, "action")
_COLUMNS = (
    "sender_id, type_name, timestamp, action_name, "
    f"CASE WHEN type_name IN ({', '.join(repr(t) for t in _JSON_TYPES)}) THEN data END"
)
_TYPES = ", ".join(repr(t) for t in _READ_TYPES)


class StoreError(RuntimeError):
    """The store cannot be read; the message says why and what to set instead."""


@dataclass(frozen=True)
class StoredEvent:
    """One row of ``events``: ``data`` is the parsed JSON for user, bot and slot rows, else None."""

    sender_id: str
    type_name: str
    timestamp: float
    action_name: str | None
    data: dict[str, Any] | None


@dataclass(frozen=True)
class TimeRange:
    """Half-open ``[since, until)`` in Unix seconds; None leaves that side open."""

    since: float | None = None
    until: float | None = None

    def where(self, placeholder: str) -> tuple[str, list[float]]:
        """SQL condition and parameters; ``placeholder`` is ``?`` (sqlite3) or ``:p0``-style (SQLAlchemy)."""
        clauses: list[str] = []
        values: list[float] = []
        for bound, operator in ((self.since, ">="), (self.until, "<")):
            if bound is not None:
                mark = placeholder if placeholder == "?" else f":p{len(values)}"
                clauses.append(f"timestamp {operator} {mark}")
                values.append(bound)
        return (" AND " + " AND ".join(clauses) if clauses else ""), values

    def label(self) -> str:
        """The range in words for the report's heading."""

        def day(value: float) -> str:
            return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

        since, until = self.since, self.until
        if since is not None and until is not None:
            return f"From {day(since)} to before {day(until)}"
        if since is not None:
            return f"Since {day(since)}"
        if until is not None:
            return f"Before {day(until)}"
        return "All stored conversations"


def _query(placeholder: str, time_range: TimeRange) -> tuple[str, list[float]]:
    condition, values = time_range.where(placeholder)
    sql = f"SELECT {_COLUMNS} FROM events WHERE type_name IN ({_TYPES}){condition} ORDER BY sender_id, id"
    return sql, values


def _event(row: tuple) -> StoredEvent:
    sender_id, type_name, timestamp, action_name, data = row
    return StoredEvent(sender_id, type_name, float(timestamp or 0.0), action_name, json.loads(data) if data else None)


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or None for any other database."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise StoreError(f"{url!r} is not a SQLite file")
    return Path(parsed.database)


def read_events(url: str, time_range: TimeRange | None = None) -> Iterator[StoredEvent]:
    """Every relevant event in ``time_range``, grouped by conversation, each conversation in stored order.

    A SQLite file that does not exist yet, or has no ``events`` table, is an
    empty store: the assistant creates both on its first message.
    """
    time_range = time_range or TimeRange()
    path = sqlite_path(url)
    if path is not None:
        yield from _read_sqlite(path, time_range)
    else:
        yield from read_with_sqlalchemy(url, time_range)


def _read_sqlite(path: Path, time_range: TimeRange) -> Iterator[StoredEvent]:
    if not path.exists():
        return
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if not connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").fetchone():
            return
        sql, values = _query("?", time_range)
        for row in connection.execute(sql, values):
            yield _event(row)
    except sqlite3.DatabaseError as error:
        raise StoreError(f"cannot read the tracker store {path}: {error}") from None
    finally:
        connection.close()


def read_with_sqlalchemy(url: str, time_range: TimeRange) -> Iterator[StoredEvent]:
    """Rasa's ``sql`` store (PostgreSQL and others): one read-only transaction, rows streamed."""
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(url)
    except (sqlalchemy.exc.ArgumentError, ImportError) as error:
        raise StoreError(f"cannot open the tracker store: {error}") from None
    try:
        with engine.connect() as connection, connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(sqlalchemy.text("SET TRANSACTION READ ONLY"))
            if not sqlalchemy.inspect(connection).has_table("events"):
                return
            sql, values = _query(":p", time_range)
            parameters = {f"p{index}": value for index, value in enumerate(values)}
            result = connection.execution_options(stream_results=True).execute(sqlalchemy.text(sql), parameters)
            for row in result:
                yield _event(tuple(row))
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise StoreError(f"cannot read the tracker store: {type(error).__name__}: {reason}") from None
    finally:
        engine.dispose()
