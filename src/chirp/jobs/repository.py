"""Every query on the outbox and the dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from chirp.db.shards import PhysicalShard
from chirp.db.uow import UnitOfWork
from chirp.jobs.models import DeadJob, OutboxEvent


class OutboxRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def claim(
        self,
        shard: PhysicalShard,
        now: datetime,
        lease_until: datetime,
        limit: int,
        ids: Sequence[int] | None = None,
    ) -> list[OutboxEvent]:
        """Lease up to ``limit`` available events (oldest first) by moving them out of reach
        until ``lease_until``. The outer condition is checked again on each locked row, so
        two claimers never both get one (PostgreSQL re-evaluates it after the lock wait)."""
        pick = select(OutboxEvent.id).where(OutboxEvent.available_at <= now)
        if ids is not None:
            pick = pick.where(OutboxEvent.id.in_(list(ids)))
        pick = pick.order_by(OutboxEvent.id).limit(limit)
        query = (
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(pick.scalar_subquery()), OutboxEvent.available_at <= now)
            .values(available_at=lease_until, attempts=OutboxEvent.attempts + 1)
            .returning(OutboxEvent)
            .execution_options(synchronize_session=False)
        )
        return list(await self.uow.session(shard).scalars(query))

    async def done(self, event_id: int) -> None:
        await self.done_many(self.uow.shards.for_id(event_id), [event_id])

    async def done_many(self, shard: PhysicalShard, ids: Sequence[int]) -> None:
        await self.uow.session(shard).execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))

    async def release(self, shard: PhysicalShard, ids: Sequence[int], now: datetime) -> None:
        """Give claimed events back at once (their tries were not used)."""
        await self.uow.session(shard).execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(ids))
            .values(available_at=now, attempts=OutboxEvent.attempts - 1)
        )

    async def retry_at(self, event_id: int, when: datetime) -> None:
        await self.uow.for_id(event_id).execute(
            update(OutboxEvent).where(OutboxEvent.id == event_id).values(available_at=when)
        )

    def add(self, event: OutboxEvent) -> None:
        self.uow.for_id(event.id).add(event)

    async def waiting(self) -> int:
        return sum(await self.uow.everywhere(select(func.count()).select_from(OutboxEvent)))


class DeadJobRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def add(self, job: DeadJob) -> None:
        self.uow.for_id(job.id).add(job)

    async def get(self, job_id: int) -> DeadJob | None:
        return await self.uow.for_id(job_id).get(DeadJob, job_id)

    async def remove(self, job: DeadJob) -> None:
        await self.uow.for_id(job.id).delete(job)

    async def newest(self, limit: int) -> list[DeadJob]:
        rows: list[Any] = await self.uow.everywhere(
            select(DeadJob).order_by(DeadJob.id.desc()).limit(limit)
        )
        return sorted(rows, key=lambda j: j.id, reverse=True)[:limit]

    async def ids(self) -> list[int]:
        """Every dead job's id, oldest first (ids only: replaying them all reads each once)."""
        return sorted(await self.uow.everywhere(select(DeadJob.id)))

    async def count(self) -> int:
        return sum(await self.uow.everywhere(select(func.count()).select_from(DeadJob)))
