"""Events other contexts record when they change what a home timeline holds."""

from __future__ import annotations

from chirp.db.uow import UnitOfWork
from chirp.jobs.outbox import record
from chirp.runtime import Runtime


def home_changed(rt: Runtime, uow: UnitOfWork, account_id: int) -> None:
    """The account's home gains or loses an author or a tag: its feed is dropped and rebuilt
    from the database on the next read (in the same transaction as the change)."""
    record(rt, uow, "homes.invalidated", account_id, account_ids=[account_id])
