"""The composition root: the long-lived objects a process builds once and every request uses.

Routes reach it through ``chirp.deps``; tests build their own with fakes at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chirp.accounts.passwords import Passwords
from chirp.config import Settings
from chirp.core.clock import Clock
from chirp.core.ids import IdGenerator
from chirp.core.metrics import Metrics
from chirp.core.node import lease_node_id
from chirp.db.shards import ShardMap
from chirp.db.uow import UnitOfWork
from chirp.oauth.cache import TokenCache


@dataclass
class Runtime:
    settings: Settings
    shards: ShardMap
    ids: IdGenerator
    passwords: Passwords
    clock: Clock = field(default_factory=Clock)
    metrics: Metrics = field(default_factory=Metrics)
    tokens: TokenCache = field(default_factory=TokenCache)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        runtime = cls(
            settings=settings,
            shards=ShardMap.from_settings(settings),
            ids=IdGenerator(lease_node_id(settings)),
            passwords=Passwords(settings.password_profile),
            tokens=TokenCache(redis_url=settings.redis_url),
        )
        runtime.metrics.watch_pools(runtime.shards)
        return runtime

    def uow(self, *, write: bool = False) -> UnitOfWork:
        """A unit of work; ``write=True`` for use cases that change rows (see PhysicalShard)."""
        return UnitOfWork(self.shards, write=write)

    async def close(self) -> None:
        await self.tokens.close()
        await self.shards.dispose()
