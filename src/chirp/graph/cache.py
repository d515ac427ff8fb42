"""A viewer's own graph (follows, blocks, mutes, and who blocks them), kept between requests.

Every timeline, status and notification request starts from the viewer's relations: one query
on the viewer's shard and one on every database ("who blocks me"). They change only when the
viewer, or someone blocking the viewer, changes an edge, so they are kept per viewer and
dropped after each such commit (``forget_edges_after_commit``, called by chirp.graph.service).

A plain drop-after-commit leaves one race: a read that loaded the old edges before the commit
stores them after the drop, and a block would stay unseen until the TTL. So each viewer also
has a *version*, raised by every drop; a read notes the version before it loads from the
database and stores its result only if the version is still the same (one Lua script in Redis,
a comparison in the embedded store). A block is therefore seen by the next request after its
commit, on every process.

Values are orjson bytes of plain lists. In Redis (the scaled deployment) the cache is shared by
every process; the embedded default keeps it in this process, least recently used out first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

import orjson
import structlog
from redis.exceptions import RedisError

from chirp.core.lru import TtlLru

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from chirp.db.uow import UnitOfWork

log = structlog.get_logger(__name__)
Edges = dict[str, Any]

# SET the value only if the version key still holds what the reader saw (a missing version
# key reads as "0"). KEYS: value, version. ARGV: seen version, value, ttl (ms).
_PUT = """
local current = redis.call('GET', KEYS[2]) or '0'
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""

# Give each account a new version and drop its value. Versions come from one counter, so a
# version key that expired and came back never repeats one a slow reader still holds.
# KEYS: the counter, then version/value pairs. ARGV: version ttl (ms).
_FORGET = """
local version = redis.call('INCR', KEYS[1])
for i = 2, #KEYS, 2 do
  redis.call('SET', KEYS[i], version, 'PX', ARGV[1])
  redis.call('DEL', KEYS[i + 1])
end
return version
"""


class RelationsCache(Protocol):
    async def get(self, viewer_id: int) -> tuple[Edges | None, str]:
        """The cached edges (None on a miss) and the version to hand back to ``put``."""
        ...

    async def put(self, viewer_id: int, edges: Edges, version: str) -> None:
        """Store edges loaded after ``get`` answered ``version``, unless a drop came since."""
        ...

    async def forget(self, account_ids: Iterable[int]) -> None: ...

    async def clear(self) -> None: ...


def forget_edges_after_commit(uow: UnitOfWork, cache: RelationsCache, *account_ids: int) -> None:
    """Drop these accounts' relations once ``uow`` commits the edge change between them."""
    changed = list(account_ids)

    async def forget() -> None:
        await cache.forget(changed)

    uow.after_commit(forget)


class MemoryRelationsCache:
    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: TtlLru[int, bytes] = TtlLru(ttl, size, clock)
        self._versions: OrderedDict[int, int] = OrderedDict()
        self._counter = 0

    async def get(self, viewer_id: int) -> tuple[Edges | None, str]:
        version = str(self._versions.get(viewer_id, 0))
        value = self._entries.get(viewer_id)
        return (orjson.loads(value) if value is not None else None), version

    async def put(self, viewer_id: int, edges: Edges, version: str) -> None:
        if self.ttl <= 0 or str(self._versions.get(viewer_id, 0)) != version:
            return
        self._entries.put(viewer_id, orjson.dumps(edges))

    async def forget(self, account_ids: Iterable[int]) -> None:
        for account_id in account_ids:
            self._entries.pop(account_id)
            # From one counter, so a version forgotten below and given again never repeats.
            self._counter += 1
            self._versions[account_id] = self._counter
            self._versions.move_to_end(account_id)
        while len(self._versions) > self.size:
            self._versions.popitem(last=False)

    async def clear(self) -> None:
        self._entries.clear()


class RedisRelationsCache:
    """Shared by every process. Redis being away makes every read a miss (the database
    answers); a drop that cannot reach Redis is logged and the TTL bounds the staleness."""

    def __init__(self, redis: Redis, prefix: str, ttl: float) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_ms = int(ttl * 1000)
        self._put = redis.register_script(_PUT)
        self._forget = redis.register_script(_FORGET)

    def _keys(self, account_id: int) -> tuple[str, str]:
        return f"{self.prefix}rel:{account_id}", f"{self.prefix}relv:{account_id}"

    async def get(self, viewer_id: int) -> tuple[Edges | None, str]:
        if self.ttl_ms <= 0:
            return None, "0"
        try:
            value, version = await self.redis.mget(self._keys(viewer_id))
        except RedisError:
            log.warning("relations_cache_unavailable", exc_info=True)
            return None, "unavailable"
        seen = "0" if version is None else version if isinstance(version, str) else version.decode()
        return (orjson.loads(value) if value is not None else None), seen

    async def put(self, viewer_id: int, edges: Edges, version: str) -> None:
        if self.ttl_ms <= 0 or version == "unavailable":
            return
        try:
            await self._put(
                keys=list(self._keys(viewer_id)), args=[version, orjson.dumps(edges), self.ttl_ms]
            )
        except RedisError:
            log.warning("relations_cache_not_filled", exc_info=True)

    async def forget(self, account_ids: Iterable[int]) -> None:
        keys = [f"{self.prefix}relgen"]
        for account_id in account_ids:
            value, version = self._keys(account_id)
            keys += [version, value]
        if len(keys) == 1:
            return
        try:
            # The version outlives any value put against the one before it.
            await self._forget(keys=keys, args=[max(self.ttl_ms * 2, 60_000)])
        except RedisError:
            log.warning("relations_cache_not_invalidated", exc_info=True)

    async def clear(self) -> None:
        async for key in self.redis.scan_iter(match=f"{self.prefix}rel*"):
            await self.redis.delete(key)
