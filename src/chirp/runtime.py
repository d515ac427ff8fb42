"""The composition root: the long-lived objects a process builds once and every request uses.

Routes reach it through ``chirp.deps``; tests build their own with fakes at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from chirp.accounts.passwords import Passwords
from chirp.config import Settings
from chirp.core.clock import Clock
from chirp.core.ids import IdGenerator
from chirp.core.metrics import Metrics
from chirp.core.node import lease_node_id
from chirp.db.shards import ShardMap
from chirp.db.uow import UnitOfWork
from chirp.media.engine import MediaEngine


@dataclass
class Runtime:
    settings: Settings
    shards: ShardMap
    ids: IdGenerator
    passwords: Passwords
    clock: Clock = field(default_factory=Clock)
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        runtime = cls(
            settings=settings,
            shards=ShardMap.from_settings(settings),
            ids=IdGenerator(lease_node_id(settings)),
            passwords=Passwords(settings.password_profile),
        )
        runtime.metrics.watch_pools(runtime.shards)
        return runtime

    def uow(self, *, write: bool = False) -> UnitOfWork:
        """A unit of work; ``write=True`` for use cases that change rows (see PhysicalShard)."""
        return UnitOfWork(self.shards, write=write)

    @cached_property
    def media(self) -> MediaEngine:
        """Storage and the image-processing pool, made on first use."""
        return MediaEngine.build(self.settings)

    async def close(self) -> None:
        if "media" in self.__dict__:
            await self.media.close()
        await self.shards.dispose()
