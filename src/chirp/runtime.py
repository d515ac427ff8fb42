"""The composition root: the long-lived objects a process builds once and every request uses.

Only the composition roots (this module, ``chirp.subscriptions``, ``chirp.app``,
``chirp.cli`` and ``chirp.worker``) know every context. Contexts name the protocols of the
pieces they use (``chirp.db.platform.Platform`` and each context's extension of it); a
``Runtime`` is all of them at once. Routes reach it through ``chirp.deps``; tests build
their own with fakes at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chirp import subscriptions
from chirp.accounts.passwords import Passwords
from chirp.accounts.standing import Standing
from chirp.config import Settings
from chirp.core.auth import Bearer
from chirp.core.clock import Clock
from chirp.core.entities import EntityCache, build_entity_cache
from chirp.core.ids import IdGenerator
from chirp.core.metrics import Metrics
from chirp.core.node import lease_node_id
from chirp.core.tallies import LocalTally, RedisTally, Tally
from chirp.core.throttle import Throttle
from chirp.db.events import Events
from chirp.db.metrics import PoolCollector
from chirp.db.shards import ShardMap
from chirp.db.uow import UnitOfWork
from chirp.graph.cache import MemoryRelationsCache, RedisRelationsCache, RelationsCache
from chirp.hotpath.mirrors import MirroredEntities, MirroredRelations
from chirp.hotpath.platform import Hot
from chirp.jobs.runner import Jobs
from chirp.media.engine import MediaEngine
from chirp.oauth import tokens
from chirp.oauth.cache import EVERYTHING, TokenCache
from chirp.streaming.events import Streams
from chirp.streaming.hub import Hub, InProcessHub
from chirp.streaming.redis_hub import RedisHub
from chirp.timelines.feeding import FeedReader
from chirp.timelines.feeds import FeedStore, MemoryFeeds
from chirp.timelines.home import STRATEGIES, HomeTimeline
from chirp.timelines.redis_feeds import RedisFeeds

if TYPE_CHECKING:
    from redis.asyncio import Redis

# What a process without Redis that is one of several must not keep to itself.
SHARED_NOTHING = {
    "timeline_strategy": "pull",
    "relations_cache_seconds": 0,
    "status_cache_seconds": 0,
    "account_cache_seconds": 0,
}


def build_hub(settings: Settings) -> Hub:
    """Streaming events between processes through Redis, or within this one without it."""
    if settings.redis_url:
        return RedisHub(settings.redis_url, settings.redis_prefix)
    return InProcessHub()


@dataclass
class Runtime:
    settings: Settings
    shards: ShardMap
    ids: IdGenerator
    passwords: Passwords
    clock: Clock = field(default_factory=Clock)
    metrics: Metrics = field(default_factory=Metrics)
    redis: Redis | None = None
    # Streaming events between processes (Redis) or within this one (the embedded default).
    hub: Hub = field(default_factory=InProcessHub)
    tokens: TokenCache = field(default_factory=TokenCache)
    # Domain events between contexts, subscribed in chirp.subscriptions.
    events: Events = field(default_factory=Events)
    # Rendered statuses and accounts: in Redis when there is one, else in this process.
    entities: EntityCache = field(init=False)
    feeds: FeedStore = field(init=False)
    relations: RelationsCache = field(init=False)
    feed_reader: FeedReader = field(init=False)
    home: HomeTimeline = field(init=False)
    streams: Streams = field(init=False)
    jobs: Jobs = field(init=False)
    # The hot read path's copies in this process, and the change log that keeps them exact.
    hot: Hot = field(init=False)
    # Rate limits: counted in Redis when there is one, else in this process.
    throttle: Throttle = field(init=False)
    # The API-wide rate limits' counts (chirp.core.ratelimits), riding the hot path's syncs.
    tally: Tally = field(init=False)
    # The accounts moderators restricted, held in this process (chirp.accounts.standing).
    standing: Standing = field(init=False)

    def __post_init__(self) -> None:
        if not (self.redis or self.settings.redis_url or self.settings.process_local_state):
            # Several processes share the database and nothing else (see the setting).
            self.settings = self.settings.model_copy(update=SHARED_NOTHING)
        settings = self.settings
        ttl = settings.feed_inactive_days * 86_400
        if self.redis is None and settings.redis_url:
            from chirp.core.redis_client import connect

            self.redis = connect(settings.redis_url, settings.redis_pool_size)
        self.entities = build_entity_cache(settings, self.redis)
        if self.redis is not None:
            self.feeds = RedisFeeds(self.redis, settings.redis_prefix, settings.feed_size, ttl)
            self.relations = RedisRelationsCache(
                self.redis, settings.redis_prefix, settings.relations_cache_seconds
            )
        else:
            self.feeds = MemoryFeeds(settings.feed_size, ttl, lambda: self.clock.now().timestamp())
            self.relations = MemoryRelationsCache(
                settings.relations_cache_seconds, settings.relations_cache_size
            )
        self.hot = Hot.build(settings, self.redis)
        self.throttle = Throttle.build(
            settings.redis_url, self.redis, settings.redis_prefix, enabled=settings.rate_limits
        )
        self.tally = (
            RedisTally(self.redis, settings.redis_prefix, self.hot.changes)
            if self.redis is not None
            else LocalTally()
        )
        if self.hot.enabled:  # every drop of these caches drops the hot copies too
            self.entities = MirroredEntities(self.entities, self.hot.changes)
            self.relations = MirroredRelations(self.relations, self.hot.changes)
        self.standing = Standing(self.redis, settings.redis_prefix, settings.standing_poll_seconds)
        # Pages and viewers held by the hot path were chosen with the old sets; a bearer
        # cached for an account no longer locked out may be a deleted account's.
        self.standing.on_change(self.hot.store.clear)
        self.standing.on_change(lambda: self.tokens.drop(EVERYTHING))
        self.feed_reader = FeedReader(self.feeds, settings, self.metrics, self.uow)
        self.home = STRATEGIES[settings.timeline_strategy](self.feed_reader)
        self.streams = Streams(self)
        self.jobs = Jobs(self, subscriptions.job_handlers(self))
        subscriptions.subscribe(self)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        runtime = cls(
            settings=settings,
            shards=ShardMap.from_settings(settings),
            ids=IdGenerator(lease_node_id(settings)),
            passwords=Passwords(settings.password_profile),
            hub=build_hub(settings),
            tokens=TokenCache(
                redis_url=settings.redis_url, only_process=settings.process_local_state
            ),
        )
        runtime.metrics.registry.register(PoolCollector(runtime.shards))
        # Bound here, not in __post_init__: a copy (dataclasses.replace) shares the token
        # cache, which must keep following the standing of the runtime that built it.
        runtime.tokens.locked_out = runtime.standing.locked_out
        return runtime

    def uow(self, *, write: bool = False) -> UnitOfWork:
        """A unit of work; ``write=True`` for use cases that change rows (see PhysicalShard)."""
        return UnitOfWork(self.shards, write=write, after_commit_scope=self.hot.changes.gathering)

    async def bearer(self, presented: str) -> Bearer | None:
        """The presented token's bearer, through the token cache (``chirp.deps`` asks)."""
        return await self.tokens.resolve(presented, self.uow)

    def issue_token(
        self,
        uow: UnitOfWork,
        *,
        app_id: int,
        account_id: int,
        scopes: frozenset[str],
        now: datetime,
    ) -> dict[str, Any]:
        """A sign-up's first access token (registration asks; OAuth issues)."""
        row, secret = tokens.issue(
            uow, self.ids, app_id=app_id, account_id=account_id, scopes=scopes, now=now
        )
        return tokens.token_response(row, secret)

    @cached_property
    def media(self) -> MediaEngine:
        """Storage and the image-processing pool, made on first use."""
        engine = MediaEngine.build(self.settings)
        subscriptions.media_file_users(engine)
        return engine

    async def close(self) -> None:
        await self.jobs.stop()
        await self.hot.close()
        await self.feeds.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.hub.close()
        if "media" in self.__dict__:
            await self.media.close()
        await self.tokens.close()
        await self.shards.dispose()
