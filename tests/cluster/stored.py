"""What PostgreSQL kept of the cluster tests' conversations, checked against what the visitors were told.

Every message text the tests send is unique within its conversation and carries its place (``#<number>``), so a
conversation's user events, read in the order Rasa stored them (``events.id``), show a message lost, stored twice,
stored out of order, or stored without its answer before the next message.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg2

PLACE = re.compile(r"#(\d+)")


def place(text: str) -> int:
    """The message's place in its conversation (the ``#<number>`` the test wrote into it)."""
    found = PLACE.search(text)
    assert found, text
    return int(found.group(1))


def stored_events(database_url: str, senders: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """Per sender, (type_name, user text or '') of every event, in the order stored."""
    wanted = sorted(set(senders))
    events: dict[str, list[tuple[str, str]]] = {sender: [] for sender in wanted}
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT sender_id, type_name, CASE WHEN type_name = 'user' THEN data::json->>'text' ELSE '' END "
            "FROM events WHERE sender_id = ANY(%s) AND type_name IN ('user', 'bot') ORDER BY id",
            (wanted,),
        )
        for sender, kind, text in cursor.fetchall():
            events[sender].append((kind, text or ""))
    connection.close()
    return events


@dataclass
class StoreCheck:
    """Problems found in the stored conversations (each list holds ``sender: text`` lines)."""

    lost: list[str] = field(default_factory=list)  # acknowledged (200) but not stored
    duplicated: list[str] = field(default_factory=list)  # stored more than once
    reordered: list[str] = field(default_factory=list)  # stored before a message sent earlier
    unanswered: list[str] = field(default_factory=list)  # no bot event between it and the next message
    stored_messages: int = 0

    @property
    def problems(self) -> int:
        return len(self.lost) + len(self.duplicated) + len(self.reordered) + len(self.unanswered)

    def summary(self) -> str:
        return (
            f"{self.stored_messages} user messages stored; lost {len(self.lost)}, stored twice "
            f"{len(self.duplicated)}, out of order {len(self.reordered)}, without their answer {len(self.unanswered)}"
        )


def check_store(
    database_url: str,
    acknowledged: dict[str, list[str]],
    sent: dict[str, set[str]],
    order=place,
    need_answers: bool = True,
) -> StoreCheck:
    """Compare the store with what was sent: ``acknowledged`` (200) texts per sender, ``sent`` all texts tried.

    ``order`` maps a text to its place; the places of a conversation's stored messages must never go down.
    """
    check = StoreCheck()
    for sender, events in stored_events(database_url, sent).items():
        users = [text for kind, text in events if kind == "user" and text in sent[sender]]
        check.stored_messages += len(users)
        counts = Counter(users)
        check.lost += [f"{sender}: {text}" for text in acknowledged.get(sender, []) if counts[text] == 0]
        check.duplicated += [f"{sender}: {text}" for text, count in counts.items() if count > 1]
        places = [order(text) for text in users]
        check.reordered += [f"{sender}: {users[i]}" for i in range(1, len(places)) if places[i] < places[i - 1]]
        if need_answers:
            for index, (kind, text) in enumerate(events):
                if kind != "user" or text not in sent[sender]:
                    continue
                following = next((k for k, _ in events[index + 1 :] if k in ("user", "bot")), None)
                if following != "bot":
                    check.unanswered.append(f"{sender}: {text}")
    return check
