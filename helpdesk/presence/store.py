"""Who has a ticket open and who is typing a reply in it: short-lived facts that each open
ticket page renews with a heartbeat every few seconds and that expire on their own, so a
closed laptop or a killed browser stops showing after ``VIEWING_SECONDS``.

Two stores with one behaviour. ``RedisPresence`` when ``REDIS_URL`` is set: every gunicorn
worker (and every host) reads and writes the same keys, so two agents served by different
workers see each other. ``LocalPresence`` otherwise: a dict in this process, which is all
the development server and a single-process install have. The app picks one
(``app.configure_presence``); views reach it through ``presence_store(app)``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis import Redis, RedisError

# The page beats every 5 s: three missed beats (a slow network, a busy worker) and the
# agent is gone from the others' pages.
VIEWING_SECONDS = 15.0
# Typing is renewed by the beats sent while the agent types; a browser that vanished
# mid-sentence stops showing as typing after this.
TYPING_SECONDS = 8.0

EXTENSION = "aclara.presence"


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    typing: bool


class PresenceUnavailable(RuntimeError):
    """The store could not be reached (Redis down): presence is a hint, the page goes on."""


class PresenceStore(Protocol):
    def beat(self, ticket_id: int, user_id: int, name: str, *, typing: bool) -> list[Viewer]:
        """Record that ``user_id`` has the ticket open (typing a reply or not) and return
        the other people who have it open, by name."""
        ...

    def leave(self, ticket_id: int, user_id: int) -> None:
        """The page was closed: gone at once rather than after ``VIEWING_SECONDS``."""
        ...

    def viewers(self, ticket_id: int) -> list[Viewer]:
        """Everyone who has the ticket open now."""
        ...


def presence_store(app: Any) -> PresenceStore:
    """The store the app was built with (``app.extensions``)."""
    return app.extensions[EXTENSION]


def _others(viewers: list[Viewer], user_id: int) -> list[Viewer]:
    return [v for v in viewers if v.user_id != user_id]


def _ordered(viewers: list[Viewer]) -> list[Viewer]:
    return sorted(viewers, key=lambda v: (v.name.casefold(), v.user_id))


@dataclass
class _Entry:
    name: str
    seen_at: float
    typing_at: float | None


class LocalPresence:
    """In this process only: a dict behind a lock, times from a monotonic clock."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        viewing_seconds: float = VIEWING_SECONDS,
        typing_seconds: float = TYPING_SECONDS,
    ) -> None:
        self._clock = clock
        self._viewing = viewing_seconds
        self._typing = typing_seconds
        self._lock = threading.Lock()
        self._tickets: dict[int, dict[int, _Entry]] = {}
        self._swept_at = clock()

    def beat(self, ticket_id: int, user_id: int, name: str, *, typing: bool) -> list[Viewer]:
        now = self._clock()
        with self._lock:
            self._sweep(now)
            entries = self._tickets.setdefault(ticket_id, {})
            entries[user_id] = _Entry(name=name, seen_at=now, typing_at=now if typing else None)
            return _others(self._current(ticket_id, now), user_id)

    def leave(self, ticket_id: int, user_id: int) -> None:
        with self._lock:
            entries = self._tickets.get(ticket_id, {})
            entries.pop(user_id, None)
            if not entries:
                self._tickets.pop(ticket_id, None)

    def viewers(self, ticket_id: int) -> list[Viewer]:
        with self._lock:
            return self._current(ticket_id, self._clock())

    def _current(self, ticket_id: int, now: float) -> list[Viewer]:
        return _ordered(
            [
                Viewer(
                    user_id=user_id,
                    name=entry.name,
                    typing=entry.typing_at is not None and now - entry.typing_at < self._typing,
                )
                for user_id, entry in self._tickets.get(ticket_id, {}).items()
                if now - entry.seen_at < self._viewing
            ]
        )

    def _sweep(self, now: float) -> None:
        """Forget pages that stopped beating, at most once per viewing period, so tickets
        nobody opens again do not keep their last viewers in memory for ever."""
        if now - self._swept_at < self._viewing:
            return
        self._swept_at = now
        for ticket_id in list(self._tickets):
            entries = self._tickets[ticket_id]
            for user_id in [u for u, e in entries.items() if now - e.seen_at >= self._viewing]:
                del entries[user_id]
            if not entries:
                del self._tickets[ticket_id]


class RedisPresence:
    """Shared by every worker: per ticket, a sorted set of user id -> last beat, one of
    user id -> last beat while typing, and a hash of names, all expiring together when
    nobody beats. Times are the web hosts' wall clocks (NTP keeps them within far less
    than ``TYPING_SECONDS``): a monotonic clock means nothing on another host."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "aclara:presence",
        clock: Callable[[], float] = time.time,
        viewing_seconds: float = VIEWING_SECONDS,
        typing_seconds: float = TYPING_SECONDS,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self._viewing = viewing_seconds
        self._typing = typing_seconds

    def _keys(self, ticket_id: int) -> tuple[str, str, str]:
        base = f"{self._prefix}:{ticket_id}"
        return f"{base}:seen", f"{base}:typing", f"{base}:names"

    def beat(self, ticket_id: int, user_id: int, name: str, *, typing: bool) -> list[Viewer]:
        now = self._clock()
        seen, typing_key, names = self._keys(ticket_id)
        try:
            # One round trip, applied as a whole (MULTI/EXEC).
            pipe = self._redis.pipeline(transaction=True)
            pipe.zadd(seen, {str(user_id): now})
            if typing:
                pipe.zadd(typing_key, {str(user_id): now})
            else:
                pipe.zrem(typing_key, str(user_id))
            pipe.hset(names, str(user_id), name)
            pipe.zremrangebyscore(seen, "-inf", f"({now - self._viewing}")
            pipe.zremrangebyscore(typing_key, "-inf", f"({now - self._typing}")
            for key in (seen, typing_key, names):
                pipe.expire(key, math.ceil(self._viewing) + 1)
            self._read(pipe, ticket_id, now)
            results = pipe.execute()
        except RedisError as error:
            raise PresenceUnavailable(str(error)) from error
        return _others(self._viewers_from(*results[-3:]), user_id)

    def leave(self, ticket_id: int, user_id: int) -> None:
        seen, typing_key, names = self._keys(ticket_id)
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.zrem(seen, str(user_id))
            pipe.zrem(typing_key, str(user_id))
            pipe.hdel(names, str(user_id))
            pipe.execute()
        except RedisError as error:
            raise PresenceUnavailable(str(error)) from error

    def viewers(self, ticket_id: int) -> list[Viewer]:
        try:
            pipe = self._redis.pipeline(transaction=False)
            self._read(pipe, ticket_id, self._clock())
            return self._viewers_from(*pipe.execute())
        except RedisError as error:
            raise PresenceUnavailable(str(error)) from error

    def _read(self, pipe: Any, ticket_id: int, now: float) -> None:
        seen, typing_key, names = self._keys(ticket_id)
        # Filtered by time here too: a store nobody beat lately still holds old entries.
        pipe.zrangebyscore(seen, f"({now - self._viewing}", "+inf")
        pipe.zrangebyscore(typing_key, f"({now - self._typing}", "+inf")
        pipe.hgetall(names)

    @staticmethod
    def _viewers_from(seen: list[Any], typing: list[Any], names: dict[Any, Any]) -> list[Viewer]:
        typing_ids = {_text(m) for m in typing}
        named = {_text(k): _text(v) for k, v in names.items()}
        return _ordered(
            [
                Viewer(user_id=int(member), name=named.get(member, ""), typing=member in typing_ids)
                for member in map(_text, seen)
            ]
        )


def _text(value: bytes | str) -> str:
    """Members and names as text, whether the client decodes responses or not."""
    return value.decode() if isinstance(value, bytes) else value
