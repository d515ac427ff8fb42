"""Rendered entities kept between requests: a status's viewer-independent part, an account.

A page render asks for every entity it needs at once (one ``MGET`` per kind with Redis) and
stores what it had to build (one pipelined ``SET … EX``). Values are orjson bytes, so a
reader always gets a dict of its own to lay counters and viewer fields over.

Writes drop the keys they make stale after commit (``forget``); the TTL is the backstop for
the one race left: a read that loaded a row before a write committed and fills the cache
after the write's ``forget``. Readers check statuses against their row (see
``chirp.posts.views``); accounts can stay stale for at most their TTL.

The scaled deployment keeps them in Redis, shared by every process, so one ``forget`` reaches
all of them. The embedded default keeps them in this process (the only one), least recently
used out first past ``size`` entries of a kind.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import orjson
import structlog
from redis.exceptions import RedisError

from chirp.config import Settings
from chirp.core.lru import TtlLru

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = structlog.get_logger(__name__)
Entity = dict[str, Any]


class Kind(StrEnum):
    status = "status"
    account = "account"


class Committing(Protocol):
    """What runs code once its changes commit (``chirp.db.uow.UnitOfWork``)."""

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None: ...


class EntityCache(Protocol):
    async def get_many(self, kind: Kind, ids: Collection[int]) -> dict[int, Entity]: ...

    async def put_many(self, kind: Kind, entities: Mapping[int, Entity]) -> None: ...

    async def forget(self, kind: Kind, ids: Iterable[int]) -> None: ...

    async def clear(self) -> None: ...


def forget_after_commit(
    uow: Committing, cache: EntityCache, kind: Kind, ids: Iterable[int]
) -> None:
    """Drop these entities once ``uow`` commits what makes them stale (never before: a read
    in between would fill the cache again from the old rows)."""
    stale = list(ids)

    async def forget() -> None:
        await cache.forget(kind, stale)

    uow.after_commit(forget)


def ttls(settings: Settings) -> dict[Kind, float]:
    return {
        Kind.status: settings.status_cache_seconds,
        Kind.account: settings.account_cache_seconds,
    }


class MemoryEntityCache:
    def __init__(
        self,
        ttl: Mapping[Kind, float],
        size: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._kinds: dict[Kind, TtlLru[int, bytes]] = {
            kind: TtlLru(ttl[kind], size, clock) for kind in Kind
        }

    async def get_many(self, kind: Kind, ids: Collection[int]) -> dict[int, Entity]:
        entries, found = self._kinds[kind], {}
        for entity_id in ids:
            value = entries.get(entity_id)
            if value is not None:
                found[entity_id] = orjson.loads(value)
        return found

    async def put_many(self, kind: Kind, entities: Mapping[int, Entity]) -> None:
        entries = self._kinds[kind]
        if entries.ttl <= 0:
            return
        for entity_id, entity in entities.items():
            entries.put(entity_id, orjson.dumps(entity))

    async def forget(self, kind: Kind, ids: Iterable[int]) -> None:
        entries = self._kinds[kind]
        for entity_id in ids:
            entries.pop(entity_id)

    async def clear(self) -> None:
        for entries in self._kinds.values():
            entries.clear()


class RedisEntityCache:
    """Shared by every process. Redis being away makes every read a miss and every write a
    warning: pages are built from the database, as without a cache."""

    def __init__(self, redis: Redis, prefix: str, ttl: Mapping[Kind, float]) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_ms = {kind: int(seconds * 1000) for kind, seconds in ttl.items()}

    def _key(self, kind: Kind, entity_id: int) -> str:
        return f"{self.prefix}{kind}:{entity_id}"

    async def get_many(self, kind: Kind, ids: Collection[int]) -> dict[int, Entity]:
        if not ids or self.ttl_ms[kind] <= 0:
            return {}
        wanted = list(ids)
        try:
            values = await self.redis.mget([self._key(kind, i) for i in wanted])
        except RedisError:
            log.warning("entity_cache_unavailable", exc_info=True)
            return {}
        return {i: orjson.loads(v) for i, v in zip(wanted, values, strict=True) if v is not None}

    async def put_many(self, kind: Kind, entities: Mapping[int, Entity]) -> None:
        ttl = self.ttl_ms[kind]
        if not entities or ttl <= 0:
            return
        pipe = self.redis.pipeline(transaction=False)
        for entity_id, entity in entities.items():
            pipe.set(self._key(kind, entity_id), orjson.dumps(entity), px=ttl)
        try:
            await pipe.execute()
        except RedisError:
            log.warning("entity_cache_not_filled", exc_info=True)

    async def forget(self, kind: Kind, ids: Iterable[int]) -> None:
        keys = [self._key(kind, i) for i in ids]
        if not keys:
            return
        try:
            await self.redis.delete(*keys)
        except RedisError:  # the TTL still bounds how long the stale entity is served
            log.warning("entity_cache_not_invalidated", exc_info=True)

    async def clear(self) -> None:
        for kind in Kind:
            keys = [k async for k in self.redis.scan_iter(match=f"{self.prefix}{kind}:*")]
            if keys:
                await self.redis.delete(*keys)


def build_entity_cache(settings: Settings, redis: Redis | None) -> EntityCache:
    if redis is not None:
        return RedisEntityCache(redis, f"{settings.redis_prefix}entity:", ttls(settings))
    return MemoryEntityCache(ttls(settings), settings.entity_cache_size)


def no_cache() -> EntityCache:
    """A cache that keeps nothing: every render builds everything from the database."""
    return MemoryEntityCache(dict.fromkeys(Kind, 0.0), 1)
