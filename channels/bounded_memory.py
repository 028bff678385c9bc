"""A small in-memory mapping with a size cap and an age limit.

The messaging channels remember a few things per person between webhooks (the
options last offered on WhatsApp, long Telegram button payloads, recently seen
update ids). Without bounds that memory would grow with every person who ever
wrote, so every entry expires after ``ttl_s`` and the least recently used entry
is dropped once ``max_entries`` is reached. It lives in one server process and
is lost on restart; callers degrade gracefully when an entry is gone.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedMemory(Generic[K, V]):
    """Least-recently-used mapping whose entries also expire after ``ttl_s`` seconds."""

    def __init__(self, max_entries: int, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1 or ttl_s <= 0:
            raise ValueError("max_entries must be >= 1 and ttl_s > 0")
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, key: K, value: V) -> None:
        """Store ``value``; evicts the least recently used entry when full."""
        self._entries[key] = (self._clock(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def get(self, key: K) -> V | None:
        """The value for ``key`` if present and not expired (refreshes its recency, not its age)."""
        item = self._entries.get(key)
        if item is None:
            return None
        stored_at, value = item
        if self._clock() - stored_at > self.ttl_s:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def seen_before(self, key: K) -> bool:
        """Remember ``key`` and say whether it was already remembered (for de-duplication)."""
        if self.get(key) is not None:
            return True
        self.put(key, True)  # type: ignore[arg-type]
        return False
