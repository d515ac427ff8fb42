"""What the hot read path needs from the process: the timelines' platform (feeds, relations,
units of work for its fills) and its own pieces, ``Hot``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from chirp.config import Settings
from chirp.hotpath.changes import Changes, LocalChanges, RedisChanges
from chirp.hotpath.counts import NoCounts, RedisCounts, SharedCounts
from chirp.hotpath.store import HotStore
from chirp.oauth.platform import OAuthPlatform
from chirp.timelines.platform import TimelinesPlatform

if TYPE_CHECKING:
    from redis.asyncio import Redis

SWEEP_SECONDS = 10.0


@dataclass
class Hot:
    store: HotStore
    changes: Changes
    counts: SharedCounts
    enabled: bool
    # The API's request slots (chirp.core.middleware.ConcurrencyLimitMiddleware): a hot
    # request that must read the database takes one, as every database request does.
    slots: asyncio.Semaphore | None = field(default=None)

    _sweeper: asyncio.Task[None] | None = field(default=None)

    async def start(self) -> None:
        """Follow other processes' changes (with Redis), and sweep what outlived its TTL."""
        await self.changes.start()
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.create_task(self._sweep())

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            self.store.sweep()

    async def close(self) -> None:
        await self.changes.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self.slots is None:
            yield
            return
        async with self.slots:
            yield

    @classmethod
    def build(cls, settings: Settings, redis: Redis | None) -> Hot:
        store = HotStore(
            statuses=settings.hot_statuses,
            viewers=settings.hot_viewers,
            pages=settings.hot_pages,
            lists=settings.hot_lists,
            list_size=settings.hot_list_size,
            ttl=settings.hot_seconds,
        )
        # Without Redis several processes could not tell each other of changes: the hot
        # path serves only a process that is alone with its database (the embedded default).
        enabled = settings.hot_path and (redis is not None or settings.process_local_state)
        if redis is not None:
            changes: Changes = RedisChanges(redis, settings.redis_prefix, store)
            counts: SharedCounts = RedisCounts(redis, settings.redis_prefix)
        else:
            changes, counts = LocalChanges(store), NoCounts()
        return cls(store, changes, counts, enabled)


class HotPlatform(TimelinesPlatform, OAuthPlatform, Protocol):
    @property
    def hot(self) -> Hot: ...
