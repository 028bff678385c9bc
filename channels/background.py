"""Run each incoming message in a background task, so the webhook answers at once.

Telegram and Twilio wait for the webhook's answer (and Telegram resends an
update it thinks failed), while the reply goes out through a separate API call
that may be slow. The webhook therefore returns 200 as soon as the request is
verified, and the model and the sends run here. Tasks are kept referenced until
they finish (asyncio only keeps weak references), failures are logged without
message text, and a cap on pending tasks turns a flood into 503s instead of
unbounded memory.

Ordering for one person stays intact: the task calls Rasa straight away, and
Rasa's lock store hands out tickets per sender in the order the tasks start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)


class BackgroundTasks:
    """A bounded set of running tasks that log, rather than lose, their failures."""

    def __init__(self, channel: str, max_pending: int = 500) -> None:
        self.channel = channel
        self.max_pending = max_pending
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def has_room(self) -> bool:
        return len(self._tasks) < self.max_pending

    def spawn(self, work: Coroutine[Any, Any, Any], what: str) -> None:
        """Start ``work`` now; ``what`` names it in logs and must not contain message text."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finished(done, what))

    def _finished(self, task: asyncio.Task[Any], what: str) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            logger.error("%s: %s failed: %s (message text not logged)", self.channel, what, type(error).__name__)
            logger.debug("%s: %s failed", self.channel, what, exc_info=error)
