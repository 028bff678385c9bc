"""Tell the channel that answered a message whether its conversation was really stored.

Why: Rasa wraps every tracker store in ``FailSafeTrackerStore``, which catches
any error of ``save`` and ``retrieve``, logs it and carries on with an
in-memory copy. The visitor then got ``200`` and an answer for a message that
was never stored (1,655 of 1,657 while the database was unwritable). Rasa
offers no public way to reach that wrapper, so the store reports its failures
here as well, and the channel, which awaits the whole turn in the same asyncio
task, reads them from a ``ContextVar`` once the turn is over.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

NOT_STORED_REPLY = (
    "Sorry, I could not save your message because of a problem on our side. Please send it again in a minute."
)


@dataclass
class SaveWatch:
    """The store failures seen during one turn: ``(sender id, reason)`` pairs, no message text."""

    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.failures)


_current: ContextVar[SaveWatch | None] = ContextVar("tracker_save_watch", default=None)


@contextlib.contextmanager
def watch_saves() -> Iterator[SaveWatch]:
    """Collect the store failures of the turn run inside the ``with`` block (same task)."""
    watch = SaveWatch()
    token = _current.set(watch)
    try:
        yield watch
    finally:
        _current.reset(token)


def report_failure(sender_id: str, reason: str) -> None:
    """Called by the tracker store when it could not read or write ``sender_id``'s conversation."""
    watch = _current.get()
    if watch is not None:
        watch.failures.append((sender_id, reason))
