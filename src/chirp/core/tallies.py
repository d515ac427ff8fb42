"""Counts of requests per key in fixed windows: what the API-wide rate limits are made of.

A tally counts hits (a key, a window length) and answers each hit's count in its window so
far, this hit included. Windows are aligned on the clock (a five-minute window starts at
:00, :05, ...), as rack-attack's are, so every process and host agrees on them.

- ``LocalTally`` (the embedded default, one process): a dict, answered at once.
- ``RedisTally`` (the scaled deployment): one key per rule, id and window, counted in the
  round trip the process makes anyway before a hot page answers (``chirp.hotpath.changes``:
  the tally is a *passenger* of its syncs). Hits that arrive while a round is in flight go
  together in the next one: one script call raises each key by its hits at once (INCRBY,
  and an expiry at its window's end when new), so a key's hits get consecutive counts and
  the counts stay exact across processes and hosts.

Why not the ``limits`` library here, as for logins (``chirp.core.throttle``): its hit is a
round trip of its own per request (a script call), which on the hot read path would double
the round trips a warm page costs (``bench.request_cost``); and its in-memory storage takes
a lock and arms a timer per key.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import structlog
from redis.exceptions import NoScriptError, RedisError

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = structlog.get_logger(__name__)
Hit = tuple[str, int]  # the counted key (rule and id), the window's length in seconds
KEYS_KEPT = 100_000  # keys a local tally holds before it forgets past windows


def window_end(period: int, now: float) -> int:
    """When the window of ``period`` seconds that ``now`` is in ends (seconds since the
    epoch): also what names the window."""
    return (int(now // period) + 1) * period


class Tally(Protocol):
    def count(self, hits: Sequence[Hit]) -> asyncio.Future[list[int] | None]:
        """Count one more of each hit; the counts in their windows, in the hits' order
        (None: they could not be counted, and the caller lets the request through)."""
        ...

    async def reset(self) -> None:
        """Forget every count (tests, and a deployment turning its limits down)."""
        ...


class Rounds(Protocol):
    """The round trips a tally rides on (``chirp.hotpath.changes.RedisChanges``)."""

    def soon(self) -> asyncio.Future[bool] | None: ...

    def carry(self, passenger: Any) -> None: ...


class LocalTally:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}  # key: (its window's end, count)

    def count(self, hits: Sequence[Hit]) -> asyncio.Future[list[int] | None]:
        now = self.clock()
        if len(self._counts) > KEYS_KEPT:
            self._forget(now)
        counts = []
        for key, period in hits:
            ends = window_end(period, now)
            held = self._counts.get(key)
            count = held[1] + 1 if held is not None and held[0] == ends else 1
            self._counts[key] = (ends, count)
            counts.append(count)
        answer: asyncio.Future[list[int] | None] = asyncio.get_running_loop().create_future()
        answer.set_result(counts)
        return answer

    def _forget(self, now: float) -> None:
        """Keys last counted in a window that has ended."""
        self._counts = {k: v for k, v in self._counts.items() if v[0] > now}

    async def reset(self) -> None:
        self._counts.clear()


class _Ask:
    """One request's hits, waiting for their counts."""

    __slots__ = ("answer", "counts", "left")

    def __init__(self, answer: asyncio.Future[list[int] | None], size: int) -> None:
        self.answer = answer
        self.counts = [0] * size
        self.left = size


# One round's hits: each key raised by its hits and, when that made it,
# given its window's end as expiry; the keys' new counts.
_COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local hits = tonumber(ARGV[2 * i - 1])
  local count = redis.call('INCRBY', key, hits)
  if count == hits then redis.call('EXPIREAT', key, ARGV[2 * i]) end
  counts[i] = count
end
return counts
"""
# Every counter under one hash tag: the round's hits go in one script call, which a Redis
# Cluster allows only within one hash slot. Spreading the counters over several tags would
# take a call per tag and round, and each more call per round was measured to cost the hot
# path dearly (public timeline, c64, PostgreSQL medium: about 5,500 requests a second with
# one call, 4,200 with eight, 5,600 without rate limits; bench/BASELINE.md). On a cluster
# the counters then live on one node, which a few INCRBYs per request does not tire.
_Group = dict[str, tuple[int, list[tuple[_Ask, int]]]]  # key: its window's end, who asked


class RedisTally:
    def __init__(
        self, redis: Redis, prefix: str, rounds: Rounds, clock: Callable[[], float] = time.time
    ) -> None:
        self.redis = redis
        self.prefix = f"{prefix}rl:{{rl}}:"  # (the hash tag: every counter in one slot)
        self.rounds = rounds
        self.clock = clock
        self._script = redis.register_script(_COUNT) if redis is not None else None
        self._sha = hashlib.sha1(_COUNT.encode(), usedforsecurity=False).hexdigest()
        self._pending: _Group = {}  # waiting for the next round
        self._flying: _Group | None = None
        rounds.carry(self)

    def count(self, hits: Sequence[Hit]) -> asyncio.Future[list[int] | None]:
        answer: asyncio.Future[list[int] | None] = asyncio.get_running_loop().create_future()
        if self.rounds.soon() is None:
            answer.set_result(None)
            return answer
        now = self.clock()
        ask = _Ask(answer, len(hits))
        for at, (key, period) in enumerate(hits):
            ends = window_end(period, now)
            name = f"{self.prefix}{key}:{ends}"
            held = self._pending.get(name)
            if held is None:
                self._pending[name] = (ends, [(ask, at)])
            else:
                held[1].append((ask, at))
        return answer

    async def reset(self) -> None:
        async for key in self.redis.scan_iter(match=f"{self.prefix}*", count=1000):
            await self.redis.delete(key)

    def board(self, pipe: Any) -> int:
        if not self._pending:
            return 0
        keys, self._pending = self._pending, {}
        pipe.evalsha(self._sha, len(keys), *keys, *_arguments(keys))
        self._flying = keys
        return 1

    def land(self, results: list[Any] | None) -> None:
        keys, self._flying = self._flying, None
        if keys is None:
            return
        found = results[0] if results is not None else None
        if isinstance(found, NoScriptError):  # Redis lost its scripts: again, alone
            asyncio.get_running_loop().create_task(self._again(keys))
            return
        if results is None:
            log.warning("rate_limit_unavailable")
        _share(keys, found if isinstance(found, list) else None)  # else: counted as allowed

    async def _again(self, keys: _Group) -> None:
        assert self._script is not None
        try:
            found = await self._script(keys=list(keys), args=_arguments(keys))
        except RedisError:
            log.warning("rate_limit_unavailable", exc_info=True)
            found = None
        _share(keys, found)


def _arguments(keys: _Group) -> list[int]:
    return [value for ends, asks in keys.values() for value in (len(asks), ends + 1)]


def _share(keys: _Group, totals: list[int] | None) -> None:
    """Each key's new total shared out to its hits in the order they came: the last hit
    gets the total, the one before it one less (INCRBY is atomic, so across processes
    every hit of a window gets a count of its own). None: answered uncounted."""
    shared: list[int | None] = list(totals) if totals is not None else [None] * len(keys)
    for (_, asks), total in zip(keys.values(), shared, strict=True):
        if total is None:
            for ask, _ in asks:
                if not ask.answer.done():
                    ask.answer.set_result(None)
            continue
        first = total - len(asks) + 1
        for offset, (ask, index) in enumerate(asks):
            ask.counts[index] = first + offset
            ask.left -= 1
            if ask.left == 0 and not ask.answer.done():
                ask.answer.set_result(ask.counts)
