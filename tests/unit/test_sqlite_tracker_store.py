"""The default tracker store must read and write exactly what Rasa's SQLTrackerStore does, only faster."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_extensions import sqlite_tracker_store
from rasa_extensions.retention import BadRetentionError
from rasa_extensions.save_watch import watch_saves
from rasa_extensions.sqlite_tracker_store import NotSQLiteError, SQLiteTrackerStore, TrackerNotStoredError
from service import launcher
from service.launcher import PROJECT_ROOT, SQLITE_TRACKER_STORE

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


def run(coroutine):
    return asyncio.run(coroutine)


def user_turn(text: str, intent: str, timestamp: float) -> list[Event]:
    parse_data = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return [
        UserUttered(text, parse_data["intent"], [], parse_data, timestamp=timestamp),
        ActionExecuted("action_answer_faq", timestamp=timestamp + 0.1),
        BotUttered(f"answer about {intent}", timestamp=timestamp + 0.2),
        SlotSet("last_topic", intent, timestamp=timestamp + 0.3),
        ActionExecuted("action_listen", timestamp=timestamp + 0.4),
    ]


def session_start(timestamp: float) -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=timestamp),
        SessionStarted(timestamp=timestamp + 0.01),
        ActionExecuted("action_listen", timestamp=timestamp + 0.02),
    ]


async def play(store, sender: str, steps: list[list[Event]]) -> None:
    """Each step as the processor does it: read the conversation, append this turn's events, save."""
    for events in steps:
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
        for event in events:
            tracker.update(event)
        await store.save(tracker)


CONVERSATION = [
    session_start(1000.0),
    user_turn("how much does it cost", "ask_cost", 1001.0),
    user_turn("does it hurt", "ask_pain", 1002.0),
    # The session expired: a new one starts, and only its events are the current conversation.
    session_start(9000.0),
    user_turn("and the downtime?", "ask_downtime", 9001.0),
]


def rows(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
        ).fetchall()


def serialised(tracker: DialogueStateTracker | None) -> list[dict]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


def test_same_rows_and_same_trackers_as_rasas_sql_store(tmp_path: Path) -> None:
    ours = SQLiteTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'ours.db'}")
    rasas = SQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'rasa.db'}")
    for store in (ours, rasas):
        run(play(store, "visitor-1", CONVERSATION))
        run(play(store, "visitor-2", CONVERSATION[:2]))

    assert rows(tmp_path / "ours.db") == rows(tmp_path / "rasa.db")
    assert len(rows(tmp_path / "ours.db")) == 3 + 5 + 5 + 3 + 5 + 3 + 5
    for sender in ("visitor-1", "visitor-2"):
        assert serialised(run(ours.retrieve(sender))) == serialised(run(rasas.retrieve(sender)))
        assert serialised(run(ours.retrieve_full_tracker(sender))) == serialised(
            run(rasas.retrieve_full_tracker(sender))
        )
    current_session = serialised(run(ours.retrieve("visitor-1")))
    assert [event["event"] for event in current_session][:2] == ["session_started", "action"]
    assert [event.get("text") for event in current_session if event["event"] == "user"] == ["and the downtime?"]
    assert sorted(run(ours.keys())) == ["visitor-1", "visitor-2"]


def test_stored_rows_rasa_skips_are_skipped(tmp_path: Path) -> None:
    ours = SQLiteTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'ours.db'}")
    run(play(ours, "visitor", CONVERSATION[:2]))
    with sqlite3.connect(tmp_path / "ours.db") as connection:
        connection.execute(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
            ("visitor", "topic", 1001.5, '{"event": "topic", "timestamp": 1001.5, "topic": "old"}'),
        )
    rasas = SQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'ours.db'}")

    assert serialised(run(ours.retrieve("visitor"))) == serialised(run(rasas.retrieve("visitor")))
    assert len(serialised(run(ours.retrieve("visitor")))) == 2 + 5  # from session_started on; the topic row skipped


def test_a_restarted_server_continues_a_conversation_without_duplicates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    run(play(SQLiteTrackerStore(DOMAIN, host=url), "visitor", CONVERSATION[:2]))

    restarted = SQLiteTrackerStore(DOMAIN, host=url)
    tracker = run(restarted.retrieve("visitor"))
    for event in user_turn("does it hurt", "ask_pain", 1002.0):
        tracker.update(event)
    run(restarted.save(tracker))
    run(restarted.save(tracker))  # saving again adds nothing

    assert len(rows(tmp_path / "trackers.db")) == 3 + 5 + 5


def test_a_save_without_a_read_in_this_process_counts_what_is_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    run(play(SQLiteTrackerStore(DOMAIN, host=url), "visitor", CONVERSATION[:2]))
    tracker = run(SQLiteTrackerStore(DOMAIN, host=url).retrieve("visitor"))
    tracker.update(UserUttered("thanks", {"name": "thank", "confidence": 0.9}, timestamp=1003.0))

    run(SQLiteTrackerStore(DOMAIN, host=url).save(tracker))  # a fresh process has no count for this visitor

    assert len(rows(tmp_path / "trackers.db")) == 3 + 5 + 1


def test_reading_the_whole_history_meanwhile_does_not_disturb_the_next_save(tmp_path: Path) -> None:
    # e.g. GET /conversations/<id>/tracker arrives while a message is being handled
    store = SQLiteTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'trackers.db'}")
    run(play(store, "visitor", CONVERSATION))
    tracker = run(store.retrieve("visitor"))
    assert run(store.retrieve_full_tracker("visitor")) is not None
    tracker.update(UserUttered("thanks", {"name": "thank", "confidence": 0.9}, timestamp=9002.0))

    run(store.save(tracker))

    assert len(rows(tmp_path / "trackers.db")) == 3 + 5 + 5 + 3 + 5 + 1


def test_an_unknown_visitor_has_no_conversation(tmp_path: Path) -> None:
    store = SQLiteTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'trackers.db'}")
    assert run(store.retrieve("nobody")) is None


def test_the_database_uses_a_write_ahead_log(tmp_path: Path) -> None:
    SQLiteTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'trackers.db'}")
    with sqlite3.connect(tmp_path / "trackers.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize("url", ["postgresql://user:pw@db:5432/rasa", "sqlite://", "sqlite:///:memory:"])
def test_anything_but_a_sqlite_file_is_refused_with_the_setting_to_use(url: str) -> None:
    with pytest.raises(NotSQLiteError, match="TRACKER_STORE_TYPE=sql"):
        SQLiteTrackerStore(DOMAIN, host=url)


def test_endpoints_yml_type_loads_this_store_not_rasas_in_memory_fallback(tmp_path: Path) -> None:
    # Rasa quietly falls back to an in-memory store when a custom type fails to import.
    config = EndpointConfig(
        url=f"sqlite:///{tmp_path / 'trackers.db'}", type=SQLITE_TRACKER_STORE, port="6379", db="0", password=""
    )
    assert isinstance(create_tracker_store(config, DOMAIN), SQLiteTrackerStore)


DAY = 86_400.0


def recent_conversation(start: float) -> list[list[Event]]:
    return [session_start(start), user_turn("how much does it cost", "ask_cost", start + 1)]


def senders(database: Path) -> set[str]:
    return {row[0] for row in rows(database)}


def test_conversations_idle_longer_than_the_retention_are_deleted_at_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    keeper = SQLiteTrackerStore(DOMAIN, host=url)
    now = time.time()
    run(play(keeper, "left-40-days-ago", recent_conversation(now - 40 * DAY)))
    # began 40 days ago but wrote yesterday: idle for one day only
    run(play(keeper, "came-back-yesterday", [*recent_conversation(now - 40 * DAY), session_start(now - DAY)]))
    run(play(keeper, "today", recent_conversation(now - 60)))

    SQLiteTrackerStore(DOMAIN, host=url, retention_days="30")

    assert senders(tmp_path / "trackers.db") == {"came-back-yesterday", "today"}


def test_retention_zero_keeps_everything(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    run(play(SQLiteTrackerStore(DOMAIN, host=url), "visitor", recent_conversation(1000.0)))
    SQLiteTrackerStore(DOMAIN, host=url, retention_days="0")
    assert senders(tmp_path / "trackers.db") == {"visitor"}


def test_expired_conversations_go_in_batches_and_a_returning_visitor_starts_afresh(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_tracker_store, "PURGE_BATCH", 2)
    store = SQLiteTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'trackers.db'}", retention_days=1)
    for index in range(5):
        run(play(store, f"old-{index}", recent_conversation(1000.0)))

    assert store.delete_expired_conversations() == 5
    assert senders(tmp_path / "trackers.db") == set()
    assert run(store.retrieve("old-0")) is None
    run(play(store, "old-0", recent_conversation(time.time())))
    assert len(rows(tmp_path / "trackers.db")) == 3 + 5


def test_a_running_server_checks_the_retention_hourly_on_save(tmp_path: Path, monkeypatch) -> None:
    store = SQLiteTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'trackers.db'}", retention_days="30")
    run(play(store, "old", recent_conversation(time.time() - 40 * DAY)))
    run(play(store, "new", recent_conversation(time.time())))
    assert senders(tmp_path / "trackers.db") == {"old", "new"}  # less than an hour since the last check

    monkeypatch.setattr(sqlite_tracker_store, "RETENTION_CHECK_INTERVAL_S", 0.0)
    run(play(store, "new", [user_turn("thanks", "thank", time.time())]))

    assert senders(tmp_path / "trackers.db") == {"new"}


@pytest.mark.parametrize("value", ["thirty", "-1", "nan", "inf", None])
def test_a_bad_retention_refuses_to_start_naming_the_setting(tmp_path: Path, value) -> None:
    with pytest.raises(BadRetentionError, match="TRACKER_RETENTION_DAYS"):
        SQLiteTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'trackers.db'}", retention_days=value)


def test_the_launcher_refuses_a_bad_retention_before_starting_any_server(monkeypatch) -> None:
    spawned = []
    monkeypatch.setattr(launcher.subprocess, "Popen", lambda *args, **kwargs: spawned.append(args))
    with (
        pytest.raises(launcher.StartupError, match=r"TRACKER_RETENTION_DAYS .* got 'thirty'"),
        launcher.running_stack(env={"TRACKER_RETENTION_DAYS": "thirty"}),
    ):
        pass
    assert spawned == []


def test_a_locked_database_fails_the_save_within_the_deadline_reports_it_and_keeps_the_loop_running(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(sqlite_tracker_store, "WRITE_DEADLINE_S", 0.5)
    database = tmp_path / "trackers.db"
    store = SQLiteTrackerStore(DOMAIN, host=f"sqlite:///{database}")
    run(play(store, "visitor", [session_start(1000.0)]))
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write lock

    async def save_while_ticking() -> tuple[list[tuple[str, str]], int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        with watch_saves() as watch, pytest.raises(TrackerNotStoredError, match="visitor"):
            await play(store, "visitor", [user_turn("does it hurt", "ask_pain", 1001.0)])
        ticker.cancel()
        return watch.failures, ticks

    failures, ticks = run(save_while_ticking())
    holder.execute("ROLLBACK")
    assert [sender for sender, _ in failures] == ["visitor"]
    assert ticks >= 10, "the event loop was blocked while SQLite waited for the lock"
    assert len(rows(database)) == 3  # nothing of the failed turn

    run(play(store, "visitor", [user_turn("does it hurt", "ask_pain", 1002.0)]))
    assert [row[1] for row in rows(database)][3:] == ["user", "action", "bot", "slot", "action"]


def test_a_conversation_that_could_not_be_read_is_not_overwritten(tmp_path: Path, monkeypatch) -> None:
    store = SQLiteTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'trackers.db'}")
    run(play(store, "visitor", [session_start(1000.0), user_turn("how much", "ask_cost", 1001.0)]))
    stored = rows(tmp_path / "trackers.db")

    def unreadable(*args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_read_rows", unreadable)
    with pytest.raises(TrackerNotStoredError):
        run(store.retrieve("visitor"))
    fresh = DialogueStateTracker("visitor", DOMAIN.slots)  # what Rasa builds when the read failed
    for event in [*session_start(2000.0), *user_turn("does it hurt", "ask_pain", 2001.0)]:
        fresh.update(event)
    with pytest.raises(TrackerNotStoredError, match="could not be read"):
        run(store.save(fresh))
    assert rows(tmp_path / "trackers.db") == stored

    monkeypatch.undo()
    assert run(store.retrieve("visitor")) is not None  # readable again: saves go on
