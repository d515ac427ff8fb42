"""Reading and writing home feeds for the push and hybrid strategies.

``FeedReader.source`` turns a viewer's feed into a candidate source: from the feed when it is
ready, rebuilt first when it is missing, and from the database when another request is
building it, when the page reaches past what the feed keeps, or when the feed store is down
(a Redis outage slows home timelines; it never breaks them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import structlog
from redis.exceptions import RedisError

from chirp.config import Settings
from chirp.core.metrics import Metrics
from chirp.core.pagination import Page
from chirp.db.uow import UnitOfWork
from chirp.graph.models import Follow
from chirp.graph.relations import Relations
from chirp.graph.repository import GraphRepository
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository
from chirp.tags.repository import TagRepository
from chirp.timelines.feeds import FeedSlice, FeedStore
from chirp.timelines.sources import Source, candidate_ids

log = structlog.get_logger(__name__)
REBUILD_LEASE_SECONDS = 30.0


class FeedReader:
    def __init__(
        self,
        store: FeedStore,
        settings: Settings,
        metrics: Metrics,
        uow: Callable[[], UnitOfWork],
    ) -> None:
        self.store = store
        self.uow = uow
        self.prefix = settings.redis_prefix
        self.size = settings.feed_size
        self.metrics = metrics

    def key(self, strategy: str, account_id: int) -> str:
        # Under the account's hash tag, with its other keys: cluster-ready (one slot).
        return f"{self.prefix}{{a:{account_id}}}:feed:{strategy}"

    def keys(self, strategy: str, account_ids: list[int]) -> list[str]:
        return [self.key(strategy, a) for a in account_ids]

    async def source(
        self, uow: UnitOfWork, relations: Relations, strategy: str, pull: Source
    ) -> Source:
        assert relations.viewer_id is not None
        viewer = relations.viewer_id
        key = self.key(strategy, viewer)
        repo = StatusRepository(uow)

        async def from_feed(cursor: Page) -> list[Status]:
            try:
                found = await self.store.read(key, cursor)
                if not found.ready:
                    if not await self.rebuild(viewer, key):
                        self.metrics.feed_reads.labels("building").inc()
                        return await pull(cursor)
                    self.metrics.feed_reads.labels("miss").inc()
                    found = await self.store.read(key, cursor)
                else:
                    self.metrics.feed_reads.labels("hit").inc()
            except RedisError:
                log.warning("feed_store_unavailable", account_id=viewer, exc_info=True)
                self.metrics.feed_reads.labels("error").inc()
                return await pull(cursor)
            return await self._rows(repo, found, cursor, pull)

        return from_feed

    async def _rows(
        self, repo: StatusRepository, found: FeedSlice, cursor: Page, pull: Source
    ) -> list[Status]:
        floor = found.floor
        if floor is not None and cursor.ascending and (cursor.min_id or 0) < floor:
            return await pull(cursor)  # the range starts below what the feed keeps
        rows = await repo.get_many(found.ids)
        statuses = [rows[i] for i in found.ids if i in rows]  # a deleted id is skipped
        if floor is not None and not cursor.ascending and len(found.ids) < cursor.limit:
            # The feed ran out at its cap: older candidates come from the database.
            below = min(floor, cursor.max_id) if cursor.max_id else floor
            statuses += await pull(replace(cursor, max_id=below))
        return statuses

    async def rebuild(self, account_id: int, key: str) -> bool:
        """Build the feed from the database; False when another build holds it or an
        invalidation dropped it meanwhile. The graph is read after the build is marked, in a
        unit of work of its own (a fresh snapshot): a follow committed before the mark is
        seen here, and one committed after it drops the feed, which the build then notices."""
        token = await self.store.begin_rebuild(key, REBUILD_LEASE_SECONDS)
        if token is None:
            return False
        async with self.uow() as uow:
            follows = await GraphRepository(uow).targets(Follow, account_id)
            tags = await TagRepository(uow).followed_names(account_id)
            authors = [account_id, *(f.target_id for f in follows)]
            ids = await candidate_ids(uow, authors, tags, self.size)
        done = await self.store.finish_rebuild(key, token, ids)
        if done:
            self.metrics.feed_rebuilds.inc()
            log.info("feed_rebuilt", account_id=account_id, entries=len(ids))
        return done
