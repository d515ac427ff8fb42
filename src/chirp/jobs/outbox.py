"""Recording events: an outbox row in the same transaction as the change that caused it."""

from __future__ import annotations

from typing import Any

from chirp.core.ids import shard_of
from chirp.db.uow import UnitOfWork
from chirp.jobs.models import OutboxEvent
from chirp.jobs.platform import JobsPlatform


def record(rt: JobsPlatform, uow: UnitOfWork, kind: str, owner_id: int, **payload: Any) -> None:
    """Record ``kind`` on the database of ``owner_id`` (the id of the row that changed), to be
    handled at least once after commit. A rollback drops it with the change."""
    now = rt.clock.now()
    event = OutboxEvent(
        id=rt.ids.next_id(shard_of(owner_id)),
        kind=kind,
        payload=payload,
        available_at=now,
        attempts=0,
        created_at=now,
    )
    uow.for_id(event.id).add(event)
    # One hand-off for all the events of the unit of work: a request waits for them together.
    uow.gather_after_commit("outbox", event.id, rt.jobs.committed)
