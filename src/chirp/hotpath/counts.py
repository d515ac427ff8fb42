"""Statuses' live counters (reblogs, favourites, replies) where every process can read them
without the database: a Redis hash per status on the scaled deployment, kept by the writes.

Each write that moves a counter (a favourite, a reblog, a reply, and their undoing) adds its
delta after it commits (``bump``); increments commute, so writes racing each other still
leave the exact count. A hash exists only once it was filled from the database; ``bump``
leaves a missing one missing. A fill reads the counter's version first and stores only if no
bump came in between (every bump raises the version, hash or not), so a fill that read the
database just before a write committed cannot store the old count.

The embedded default keeps no second copy: the hot store's own counts are dropped by the
same writes and read again from the database (``NoCounts``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Protocol

import structlog
from redis.exceptions import RedisError

from chirp.hotpath.records import Counts

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = structlog.get_logger(__name__)
FIELDS = ("r", "f", "p")  # reblogs, favourites, replies
TTL_SECONDS = 86_400

# KEYS: hash, version. ARGV: field, delta, ttl.
_BUMP = """
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
end
return 1
"""

# KEYS: hash, version. ARGV: version seen, reblogs, favourites, replies, ttl.
_FILL = """
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[2], 'f', ARGV[3], 'p', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


class SharedCounts(Protocol):
    async def get_many(self, ids: Collection[int]) -> tuple[dict[int, Counts], dict[int, str]]:
        """The counts held for these statuses, and for the others the version a fill from
        the database must present."""
        ...

    async def fill(self, counts: dict[int, Counts], versions: dict[int, str]) -> None: ...

    async def bump(self, status_id: int, field: str, delta: int) -> None: ...

    async def forget(self, ids: Collection[int]) -> None:
        """Deleted statuses: their counts go (nothing reads them again)."""
        ...


class NoCounts:
    async def get_many(self, ids: Collection[int]) -> tuple[dict[int, Counts], dict[int, str]]:
        return {}, {}

    async def fill(self, counts: dict[int, Counts], versions: dict[int, str]) -> None:
        return None

    async def bump(self, status_id: int, field: str, delta: int) -> None:
        return None

    async def forget(self, ids: Collection[int]) -> None:
        return None


class RedisCounts:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._bump = redis.register_script(_BUMP)
        self._fill = redis.register_script(_FILL)

    def _keys(self, status_id: int) -> list[str]:
        # Cluster-ready: a status's hash and version share a slot.
        tag = f"{self.prefix}{{s:{status_id}}}"
        return [f"{tag}:n", f"{tag}:nv"]

    async def get_many(self, ids: Collection[int]) -> tuple[dict[int, Counts], dict[int, str]]:
        wanted = list(ids)
        if not wanted:
            return {}, {}
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for status_id in wanted:
                    counts, version = self._keys(status_id)
                    pipe.hmget(counts, FIELDS)
                    pipe.get(version)
                found = await pipe.execute()
        except RedisError:
            log.warning("hot_counts_unavailable", exc_info=True)
            return {}, {}
        held: dict[int, Counts] = {}
        versions: dict[int, str] = {}
        for n, status_id in enumerate(wanted):
            values, version = found[2 * n], found[2 * n + 1]
            if None not in values:
                held[status_id] = (int(values[0]), int(values[1]), int(values[2]))
            else:
                versions[status_id] = version.decode() if version is not None else "0"
        return held, versions

    async def fill(self, counts: dict[int, Counts], versions: dict[int, str]) -> None:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for status_id, (reblogs, favourites, replies) in counts.items():
                    seen = versions.get(status_id)
                    if seen is None:
                        continue
                    await self._fill(
                        keys=self._keys(status_id),
                        args=[seen, reblogs, favourites, replies, TTL_SECONDS],
                        client=pipe,
                    )
                await pipe.execute()
        except RedisError:
            log.warning("hot_counts_not_filled", exc_info=True)

    async def bump(self, status_id: int, field: str, delta: int) -> None:
        try:
            await self._bump(keys=self._keys(status_id), args=[field, delta, TTL_SECONDS])
        except RedisError:  # the next change, or the TTL, sets it right; meanwhile it lags
            log.warning("hot_counts_not_bumped", exc_info=True)

    async def forget(self, ids: Collection[int]) -> None:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for status_id in ids:
                    pipe.delete(*self._keys(status_id))  # one slot per status
                await pipe.execute()
        except RedisError:  # they expire with the TTL
            log.warning("hot_counts_not_forgotten", exc_info=True)
