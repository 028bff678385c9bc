"""The report's figures on a small generated store, checked exactly; reading stays read-only and private."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from insights.__main__ import time_range
from insights.conversations import Outcome, ReplyTexts, read_traffic
from insights.report import write_report
from insights.store import TimeRange, read_events, read_with_sqlalchemy
from insights.synthetic import DAY, Conversation, write_store
from tests.unit.test_insights_grouping import keyword_embed

DAY_1 = 1_767_571_200.0  # 2026-01-05 00:00 UTC
DAY_2 = DAY_1 + DAY


@pytest.fixture
def store(tmp_path: Path, knowledge) -> Path:
    """Three people on three channels over two days; 8 questions, 3 votes in both documented shapes."""
    web = Conversation("web-a1b2", "rest", DAY_1 + 9 * 3600, knowledge)
    web.greet().ask_faq("does it hurt?", "ask_pain").vote_by_intent("down", "ask_pain")
    web.out_of_scope("do you do botox? mail me at jane.doe@example.com")
    telegram = Conversation("telegram-4242", None, DAY_1 + 10 * 3600, knowledge)  # channel from the sender id
    telegram.ask_faq("how much is it", "ask_cost").vote_by_slot("up")  # no topic: the latest answer
    telegram.unclear("hmm the thing")
    telegram.complication("I had it done 3 days ago and now there is pus and a fever")
    whatsapp = Conversation("whatsapp-9f3e", "whatsapp", DAY_2 + 8 * 3600, knowledge)
    whatsapp.ask_faq("does microneedling hurt", "ask_pain").ask_faq("and with 1 mm?", "ask_pain", "ask_needle_length")
    whatsapp.vote_by_slot("down", "ask_pain").out_of_scope("Botox price, call 07700 900123")
    path = tmp_path / "trackers.db"
    write_store(path, [web, telegram, whatsapp])
    return path


def report(store: Path, out: Path, knowledge, since: float | None = None):
    return write_report(f"sqlite:///{store}", out, knowledge, TimeRange(since, None), embed=keyword_embed)


def test_counts_messages_conversations_and_outcomes(store: Path, tmp_path: Path, knowledge) -> None:
    summary = report(store, tmp_path / "out", knowledge).summary
    assert (summary.conversations, summary.messages) == (3, 9)
    assert dict(summary.outcomes) == {
        Outcome.ANSWERED: 4,
        Outcome.OUT_OF_SCOPE: 2,
        Outcome.DID_YOU_MEAN: 1,
        Outcome.ESCALATION: 1,
        Outcome.OTHER: 1,
    }
    assert summary.share(Outcome.OUT_OF_SCOPE) == pytest.approx(2 / 9)
    assert [(d.day, dict(d.conversations), dict(d.messages)) for d in summary.days] == [
        ("2026-01-05", {"rest": 1, "telegram": 1}, {"rest": 3, "telegram": 3}),
        ("2026-01-06", {"whatsapp": 1}, {"whatsapp": 3}),
    ]
    assert summary.channels == ["rest", "telegram", "whatsapp"]


def test_counts_topics_and_votes_of_both_shapes(store: Path, tmp_path: Path, knowledge) -> None:
    summary = report(store, tmp_path / "out", knowledge).summary
    assert [(t.topic, t.answered, t.up, t.down) for t in summary.topics] == [
        ("ask_pain", 3, 0, 2),
        ("ask_cost", 1, 1, 0),
    ]
    assert dict(summary.votes) == {"down": 2, "up": 1}
    (disliked,) = summary.downvoted
    assert disliked.topic == "ask_pain" and disliked.down == 2 and disliked.up == 0
    assert disliked.answer == knowledge.faqs["ask_pain"].answer
    # The whatsapp 👎 is for the latest pain answer, the follow-up about 1 mm.
    assert disliked.questions == [("and with 1 mm?", 1), ("does it hurt?", 1)]


def test_unanswered_questions_are_grouped_masked_and_written_to_csv(store: Path, tmp_path: Path, knowledge) -> None:
    files = report(store, tmp_path / "out", knowledge)
    assert [(g.count, g.examples()) for g in files.summary.unanswered] == [
        (2, ["Botox price, call [phone]", "do you do botox? mail me at [email]"]),
        (1, ["hmm the thing"]),
    ]
    with files.csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["group"], r["group_size"], r["group_out_of_scope"], r["question"], r["times_asked"]) for r in rows] == [
        ("1", "2", "2", "Botox price, call [phone]", "1"),
        ("1", "2", "2", "do you do botox? mail me at [email]", "1"),
        ("2", "1", "0", "hmm the thing", "1"),
    ]


def test_html_is_self_contained_and_names_nobody(store: Path, tmp_path: Path, knowledge) -> None:
    html = report(store, tmp_path / "out", knowledge).html.read_text(encoding="utf-8")
    for private in ("web-a1b2", "telegram-4242", "whatsapp-9f3e", "jane.doe@example.com", "07700 900123"):
        assert private not in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert html.count("<svg") == 4  # outcomes, topics, conversations and messages per day
    assert "Botox price, call [phone]" in html and knowledge.title("ask_pain") in html


def test_date_range_keeps_only_the_days_asked_for(store: Path, tmp_path: Path, knowledge) -> None:
    summary = report(store, tmp_path / "out", knowledge, since=DAY_2).summary
    assert (summary.conversations, summary.messages, dict(summary.votes)) == (1, 3, {"down": 1})
    assert time_range(None, None) == TimeRange()
    from datetime import date

    assert time_range(date(2026, 1, 5), date(2026, 1, 5)) == TimeRange(DAY_1, DAY_2)


def test_reading_changes_nothing_and_sqlalchemy_reads_the_same(store: Path, tmp_path: Path, knowledge) -> None:
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    direct = list(read_events(f"sqlite:///{store}"))
    assert list(read_with_sqlalchemy(f"sqlite:///{store}", TimeRange())) == direct
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before
    assert {e.type_name for e in direct} == {"user", "bot", "slot", "action"}
    replies = ReplyTexts.from_knowledge(knowledge)
    assert len(read_traffic(direct, replies).turns) == 9


def test_an_empty_or_missing_store_gives_an_empty_report(tmp_path: Path, knowledge) -> None:
    empty = tmp_path / "empty.db"
    write_store(empty, [])
    for path in (empty, tmp_path / "missing.db"):
        files = report(path, tmp_path / path.stem, knowledge)
        assert (files.summary.messages, files.summary.unanswered) == (0, [])
        assert files.csv.read_text().splitlines() == [
            "group,group_size,group_did_you_mean,group_out_of_scope,question,times_asked"
        ]
        assert "No messages in this period" in files.html.read_text()
    assert not (tmp_path / "missing.db").exists()


def test_generated_table_is_rasas_events_table(tmp_path: Path) -> None:
    import sqlite3

    from rasa.core.tracker_store import SQLTrackerStore

    path = tmp_path / "t.db"
    write_store(path, [])
    with sqlite3.connect(path) as connection:
        ours = [(row[1], row[2]) for row in connection.execute("PRAGMA table_info(events)")]
    rasa = [(c.name, c.type.compile()) for c in SQLTrackerStore.SQLEvent.__table__.columns]
    assert ours == rasa


def test_period_label() -> None:
    assert TimeRange().label() == "All stored conversations"
    assert TimeRange(DAY_1, DAY_2).label() == "From 2026-01-05 00:00 UTC to before 2026-01-06 00:00 UTC"
    assert TimeRange(DAY_1).label() == "Since 2026-01-05 00:00 UTC"


def test_a_server_database_that_cannot_be_reached_is_a_clear_error() -> None:
    from insights.store import StoreError

    with pytest.raises(StoreError, match="cannot read the tracker store: OperationalError"):
        list(read_events("postgresql://report@127.0.0.1:1/rasa"))


def test_command_line(store: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    from insights.__main__ import main

    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{store}")
    monkeypatch.delenv("TRACKER_STORE_TYPE", raising=False)
    assert main(["--out-dir", str(tmp_path / "cli"), "--since", "2026-01-06", "--until", "2026-01-06"]) == 0
    assert capsys.readouterr().out.startswith("1 conversations, 3 messages, 1 groups")
    assert (tmp_path / "cli" / "insight-report.html").exists()
    monkeypatch.setenv("TRACKER_STORE_TYPE", "redis")
    assert main(["--out-dir", str(tmp_path / "cli")]) == 2
    with pytest.raises(SystemExit):
        main(["--since", "last week"])


def test_markup_typed_by_a_visitor_is_shown_as_text(tmp_path: Path, knowledge) -> None:
    hostile = Conversation("web-x", "rest", DAY_1, knowledge).out_of_scope("<script>alert('botox')</script><b>hi</b>")
    write_store(tmp_path / "t.db", [hostile])
    html = report(tmp_path / "t.db", tmp_path / "out", knowledge).html.read_text(encoding="utf-8")
    assert "<script" not in html and "<b>hi" not in html
    assert "&lt;script&gt;alert(&#x27;botox&#x27;)&lt;/script&gt;&lt;b&gt;hi&lt;/b&gt;" in html


def test_wordings_beyond_the_grouping_limit_are_in_the_csv_and_noted_in_the_html(tmp_path: Path) -> None:
    from collections import Counter

    from insights.csv_report import write_unanswered_csv
    from insights.grouping import Group
    from insights.html_report import render_html
    from insights.summary import Summary

    groups = [
        Group(3, Counter({"botox price": 3}), Counter({"out_of_scope": 3})),
        Group(2, Counter({"rare a": 1, "rare b": 1}), Counter({"did_you_mean": 2}), ungrouped=True),
    ]
    html = render_html(Summary(messages=5, unanswered=groups), "All stored conversations", "now", str)
    assert "2 rarer wordings (2 messages) were not grouped" in html
    assert html.count("<ul class='examples'>") == 1
    write_unanswered_csv(tmp_path / "u.csv", groups)
    lines = (tmp_path / "u.csv").read_text().splitlines()
    assert lines[1:] == ["1,3,0,3,botox price,3", "ungrouped,2,2,0,rare a,1", "ungrouped,2,2,0,rare b,1"]
