"""A Redis lock store whose every change is one atomic step, for several Rasa servers sharing one Redis.

Why: Rasa Open Source's ``RedisLockStore`` keeps a conversation's ticket lock
as one JSON value and changes it by read-modify-write (``GET``, change the
copy in Python, ``SET``; RasaHQ/rasa#9213). Two servers issuing a ticket for
the same conversation at once can both read the same lock and hand out the
same number, and a server finishing its turn can write back a copy that no
longer holds the other server's fresh ticket: two turns of one conversation
then run at once, and the second save of Rasa's SQL store overwrites or drops
the first one's events. Rasa Pro's ``ConcurrentRedisLockStore`` fixes that;
Rasa Open Source has no fix (docs/cluster.md measures the difference).

Here a conversation's lock is a sorted set (member: ticket number, score: the
time it expires) and a counter. Issuing a ticket (``INCR`` the counter, add the
ticket, drop expired ones, renew the keys' time to live) and finishing one
(remove it, delete both keys once nobody waits) each run as one Lua script, so
Redis runs them one after another whatever the number of servers; reading the
lock is one ``ZRANGE``. Rasa's ``TicketLock`` is still what the rest of Rasa
sees, with the same ticket-order semantics.

Load it from endpoints.yml::

    lock_store:
      type: rasa_extensions.atomic_redis_lock_store.AtomicRedisLockStore
      url: 127.0.0.1
      port: 6379
      db: 1

A waiting message looks at the lock every ``poll_interval_s`` (0.05 s)
rather than Rasa's fixed second, so a message that arrived at the other server
waits for the answer before it, not for a clock tick.

While Redis cannot be reached (restarting, a network blip), a message waits up
to ``redis_outage_wait_s`` (5 s) for it to answer again, taking its ticket and
its turn then, instead of failing at once: a Redis restart costs the visitors a
slower answer rather than an error. A ticket that Redis lost (it restarted while
the message waited) is never re-issued: that message still fails, unstored, so
it can never run beside the turn that held the lock.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "atomic-lock:"
DEFAULT_POLL_INTERVAL_S = 0.05
DEFAULT_SOCKET_TIMEOUT_S = 10.0
# A ticket lives this long unless its server renews it (every third of it, while it waits or holds the lock):
# the tickets of a server that died stop holding up its conversations after at most this long (Rasa: 60 s).
DEFAULT_LOCK_LIFETIME_S = 10.0
# How long a message waits for an unreachable Redis before its turn fails (a restart takes about a second).
DEFAULT_REDIS_OUTAGE_WAIT_S = 5.0
# Redis could not be reached: worth waiting for. Any other Redis error (a script error, wrong type) is not.
_UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)

# KEYS: tickets (sorted set), counter. ARGV: now, expires, time to live in ms.
# Expired tickets (expires < now, as Rasa's Ticket.has_expired) go first, as in Rasa's TicketLock.issue_ticket.
_ISSUE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local number = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], ARGV[2], number)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return number
"""

# KEYS: tickets, counter. ARGV: ticket number, now. Returns how many tickets are left.
_FINISH = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
end
return left
"""

# KEYS: tickets, counter. ARGV: ticket number, new expiry, time to live in ms. Only a ticket still there.
_RENEW = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return 1
end
return 0
"""

# KEYS: tickets, counter. ARGV: time to live in ms, then number, expires pairs. Replaces the whole lock.
_REPLACE = """
redis.call('DEL', KEYS[1])
local highest = 0
for index = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], ARGV[index + 1], ARGV[index])
  highest = math.max(highest, tonumber(ARGV[index]))
end
if highest > tonumber(redis.call('GET', KEYS[2]) or '0') then
  redis.call('SET', KEYS[2], highest)
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
else
  redis.call('DEL', KEYS[2])
end
return highest
"""


def _setting(config: EndpointConfig | None, name: str, default: Any) -> Any:
    """A value from endpoints.yml (``${VAR}`` substitutions arrive as strings; empty means unset)."""
    if config is None:
        return default
    value = config.kwargs.get(name, default)
    return default if value in (None, "") else value


class AtomicRedisLockStore(LockStore):
    """Rasa's ticket lock in Redis, each change one Lua script: safe with any number of Rasa servers."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        host: str | None = None,
        port: int | None = None,
        db: int | None = None,
        password: str | None = None,
        key_prefix: str | None = None,
        socket_timeout: float | None = None,
        poll_interval_s: float | None = None,
        lock_lifetime_s: float | None = None,
        redis_outage_wait_s: float | None = None,
    ) -> None:
        config = endpoint_config
        host = host or (config.url if config is not None and config.url else "localhost")
        self.red = redis.StrictRedis(
            host=host,
            port=int(port if port is not None else _setting(config, "port", 6379)),
            db=int(db if db is not None else _setting(config, "db", 1)),
            password=password if password is not None else (_setting(config, "password", None) or None),
            socket_timeout=float(socket_timeout or _setting(config, "socket_timeout", DEFAULT_SOCKET_TIMEOUT_S)),
        )
        self.key_prefix = str(key_prefix or _setting(config, "key_prefix", DEFAULT_KEY_PREFIX))
        self.poll_interval_s = float(poll_interval_s or _setting(config, "poll_interval_s", DEFAULT_POLL_INTERVAL_S))
        self.lock_lifetime_s = float(lock_lifetime_s or _setting(config, "lock_lifetime_s", DEFAULT_LOCK_LIFETIME_S))
        outage_wait = redis_outage_wait_s
        if outage_wait is None:
            outage_wait = _setting(config, "redis_outage_wait_s", DEFAULT_REDIS_OUTAGE_WAIT_S)
        self.redis_outage_wait_s = float(outage_wait)
        self._issue = self.red.register_script(_ISSUE)
        self._finish = self.red.register_script(_FINISH)
        self._replace = self.red.register_script(_REPLACE)
        self._renew = self.red.register_script(_RENEW)
        super().__init__()

    def _keys(self, conversation_id: str) -> list[str]:
        tickets = f"{self.key_prefix}{conversation_id}"
        return [tickets, f"{tickets}:last"]

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's lock, tickets in the order they were issued; None when nobody holds or waits."""
        entries = self.red.zrange(self._keys(conversation_id)[0], 0, -1, withscores=True)
        if not entries:
            return None
        tickets = sorted((Ticket(int(member), float(expires)) for member, expires in entries), key=lambda t: t.number)
        return TicketLock(conversation_id, deque(tickets))

    def delete_lock(self, conversation_id: str) -> None:
        deleted = self.red.delete(*self._keys(conversation_id))
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        """Replace the stored lock with ``lock`` in one step (Rasa's own methods below never need it)."""
        pairs: list[Any] = []
        for ticket in lock.tickets:
            pairs += [ticket.number, ticket.expires]
        ttl_ms = max(1, int(self.lock_lifetime_s * 1000))
        self._replace(keys=self._keys(lock.conversation_id), args=[ttl_ms, *pairs])

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket, numbered after every ticket issued before it by any server (one atomic step)."""
        try:
            return self._issue_now(conversation_id, lock_lifetime)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def _issue_now(self, conversation_id: str, lock_lifetime: float) -> int:
        now = time.time()
        ttl_ms = max(1, int(lock_lifetime * 1000))
        return int(self._issue(keys=self._keys(conversation_id), args=[now, now + lock_lifetime, ttl_ms]))

    async def _issue_ticket_waiting_out_outage(self, conversation_id: str, lock_lifetime: float) -> int:
        """``issue_ticket``, waiting up to ``redis_outage_wait_s`` while Redis cannot be reached.

        A refused connection issued nothing. A timeout may have issued a ticket nobody will hold; it expires
        after ``lock_lifetime_s``, holding up only this conversation until then.
        """
        outage = _Outage(self.redis_outage_wait_s)
        while True:
            try:
                return self._issue_now(conversation_id, lock_lifetime)
            except _UNREACHABLE as error:
                await outage.wait_or_raise(error, self.poll_interval_s)
            except redis.RedisError as error:
                raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    async def _wait_for_turn(self, conversation_id: str, ticket: int, pause_s: float) -> TicketLock:
        """Rasa's ``LockStore._acquire_lock`` loop, waiting out a short Redis outage instead of failing.

        Fails (``LockError``, as Rasa does) when the ticket is gone: it expired, or Redis restarted and lost
        every ticket. Taking a new one could let this message run beside the turn that held the lock.
        """
        outage = _Outage(self.redis_outage_wait_s)
        while True:
            try:
                lock = self.get_lock(conversation_id)
                if lock is None or all(t.number != ticket for t in lock.tickets):
                    break
                if not lock.is_locked(ticket):
                    return lock
                outage.over()
                await asyncio.sleep(pause_s)
                self.update_lock(conversation_id)
            except _UNREACHABLE as error:
                await outage.wait_or_raise(error, pause_s)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}': its ticket is gone.")

    def renew_ticket(self, conversation_id: str, ticket_number: int, lock_lifetime: float) -> bool:
        """Push the ticket's expiry ``lock_lifetime`` ahead; False when it is gone (expired or Redis restarted)."""
        now = time.time()
        ttl_ms = max(1, int(lock_lifetime * 1000))
        return bool(self._renew(keys=self._keys(conversation_id), args=[ticket_number, now + lock_lifetime, ttl_ms]))

    async def _keep_renewing(self, conversation_id: str, ticket_number: int, lock_lifetime: float) -> None:
        while True:
            await asyncio.sleep(lock_lifetime / 3)
            try:
                self.renew_ticket(conversation_id, ticket_number, lock_lifetime)
            except redis.RedisError as error:
                logger.warning("Could not renew a conversation's lock ticket: %s", error)

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets (one command)."""
        self.red.zremrangebyscore(self._keys(conversation_id)[0], "-inf", f"({time.time()}")

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._finish(keys=self._keys(conversation_id), args=[ticket_number, time.time()])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket, and the lock once nobody waits, in the same atomic step."""
        self.finish_serving(conversation_id, ticket_number)

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ``LockStore.lock``, looking at the lock every ``poll_interval_s`` instead of every second.

        The ticket lives ``lock_lifetime_s`` (endpoints.yml; Rasa passes its 60 s default) and is renewed while
        this server waits or answers, so a long turn keeps its lock and a dead server's ticket soon expires.
        """
        lifetime = self.lock_lifetime_s
        ticket = await self._issue_ticket_waiting_out_outage(conversation_id, lifetime)
        renewing = asyncio.create_task(self._keep_renewing(conversation_id, ticket, lifetime))
        try:
            yield await self._wait_for_turn(conversation_id, ticket, min(wait_time_in_seconds, self.poll_interval_s))
        finally:
            renewing.cancel()
            try:
                self.cleanup(conversation_id, ticket)
            except redis.RedisError as error:  # Redis gone: the ticket expires with the keys' time to live
                logger.warning("Could not release the lock of a conversation: %s", error)


class _Outage:
    """How long Redis has been unreachable for one message, and whether to go on waiting for it."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.began: float | None = None

    def over(self) -> None:
        """Redis answered: a later outage gets the whole wait again."""
        self.began = None

    async def wait_or_raise(self, error: Exception, pause_s: float) -> None:
        """Sleep ``pause_s`` before the next try, or raise ``LockError`` once the outage outlasts the limit."""
        now = time.monotonic()
        if self.began is None:
            self.began = now
            logger.warning("Redis cannot be reached; waiting up to %.0f s for it: %s", self.limit_s, error)
        if now - self.began >= self.limit_s:
            raise LockError(f"Redis could not be reached for {now - self.began:.1f} s: {error}") from error
        await asyncio.sleep(max(pause_s, 0.05))
