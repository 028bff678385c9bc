"""The report reads PostgreSQL through Rasa's SQL store: a throwaway cluster, written by Rasa's own ``SQLTrackerStore``.

Skipped where no PostgreSQL server binaries are installed (Debian: the
``postgresql`` package). The cluster lives in a temporary folder, listens on
127.0.0.1 on a free port, and is stopped and deleted afterwards.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from insights.conversations import ReplyTexts, read_traffic
from insights.store import TimeRange, read_events
from insights.synthetic import generated_traffic, write_store
from service.launcher import free_port

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def as_server_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root; there they run as the ``postgres`` account."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def postgres() -> Iterator[tuple[str, int]]:
    if not BINARIES:
        pytest.skip("no PostgreSQL server installed (apt-get install postgresql)")
    bin_dir = Path(BINARIES[-1])
    work = Path(tempfile.mkdtemp(prefix="report-pg-"))
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
    data, port = work / "data", free_port()
    run = lambda *args: subprocess.run(as_server_user([str(a) for a in args]), check=True, capture_output=True)  # noqa: E731
    try:
        run(bin_dir / "initdb", "-D", data, "-U", "report", "--auth=trust")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {work}"
        run(bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", work / "server.log", "-w", "start")
        run(bin_dir / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "report", "rasa")
        yield "127.0.0.1", port
    finally:
        if (data / "postmaster.pid").exists():
            run(bin_dir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(work, ignore_errors=True)


def test_postgres_store_reads_like_the_sqlite_file(postgres, tmp_path: Path, knowledge) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

    host, port = postgres
    conversations = generated_traffic(knowledge, target_events=1500, days=3)
    store = SQLTrackerStore(
        Domain.load("domain.yml"), dialect="postgresql", host=host, port=port, db="rasa", username="report"
    )

    async def save_all() -> None:
        for conversation in conversations:
            events = [Event.from_parameters(event) for event in conversation.events]
            await store.save(DialogueStateTracker.from_events(conversation.sender_id, events))

    asyncio.run(save_all())
    store.engine.dispose()
    write_store(tmp_path / "same.db", conversations)
    replies = ReplyTexts.from_knowledge(knowledge)
    from_postgres = read_traffic(read_events(f"postgresql://report@{host}:{port}/rasa"), replies)
    from_sqlite = read_traffic(read_events(f"sqlite:///{tmp_path / 'same.db'}"), replies)
    assert len(from_postgres.turns) > 200 and len(from_postgres.votes) > 10
    assert from_postgres == from_sqlite
    middle = conversations[len(conversations) // 2].events[0]["timestamp"]
    later = read_traffic(read_events(f"postgresql://report@{host}:{port}/rasa", TimeRange(since=middle)), replies)
    assert 0 < len(later.turns) < len(from_postgres.turns)
