"""``make report``: the insight report from the tracker store the assistant uses (read-only).

The store is ``--store-url``, else ``TRACKER_STORE_URL``, else the launcher's
default SQLite file (var/trackers.db), so the report reads what ``make run``
writes. Dates are UTC days; ``--until`` is inclusive.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from actions.knowledge_loader import KnowledgeFileError, knowledge_file_path, load_knowledge_base
from insights.report import write_report
from insights.store import StoreError, TimeRange
from service.launcher import DEFAULT_ENVIRONMENT, PROJECT_ROOT

SQL_STORE_TYPES = {"sql", DEFAULT_ENVIRONMENT["TRACKER_STORE_TYPE"]}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def _midnight(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def time_range(since: date | None, until: date | None) -> TimeRange:
    """``[since 00:00, the day after until 00:00)`` in UTC."""
    return TimeRange(
        _midnight(since) if since else None,
        _midnight(until + timedelta(days=1)) if until else None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store-url", help="SQLAlchemy URL of the tracker store (default: $TRACKER_STORE_URL)")
    parser.add_argument("--since", type=_day, help="first day to include, YYYY-MM-DD (UTC)")
    parser.add_argument("--until", type=_day, help="last day to include, YYYY-MM-DD (UTC)")
    parser.add_argument("--out-dir", type=Path, default=PROJECT_ROOT / "results", help="default: results/")
    args = parser.parse_args(argv)
    store_type = os.environ.get("TRACKER_STORE_TYPE", DEFAULT_ENVIRONMENT["TRACKER_STORE_TYPE"])
    if not args.store_url and store_type not in SQL_STORE_TYPES:
        print(f"The report reads SQL tracker stores only; TRACKER_STORE_TYPE is {store_type!r}.", file=sys.stderr)
        return 2
    url = args.store_url or os.environ.get("TRACKER_STORE_URL") or DEFAULT_ENVIRONMENT["TRACKER_STORE_URL"]
    try:
        knowledge = load_knowledge_base(knowledge_file_path())
        files = write_report(url, args.out_dir, knowledge, time_range(args.since, args.until))
    except (StoreError, KnowledgeFileError) as error:
        print(f"No report: {error}", file=sys.stderr)
        return 1
    summary = files.summary
    print(
        f"{summary.conversations} conversations, {summary.messages} messages, "
        f"{len(summary.unanswered)} groups of unanswered questions ({files.seconds:.1f} s)\n"
        f"  {files.html}\n  {files.csv}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
