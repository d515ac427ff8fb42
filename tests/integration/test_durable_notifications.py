"""Notifications survive the process that committed their cause (issue 13): a favourite's
commit records its notification's job in the same transaction, so a process that dies right
after the commit, before anything after it ran, loses nothing; the next process's job runner
writes the notification, once however often the job is delivered, and not at all if the
favourite was undone first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from chirp.accounts import admin
from chirp.db.uow import UnitOfWork
from chirp.jobs.models import OutboxEvent
from chirp.notifications.models import Notification
from chirp.posts import interactions
from chirp.posts import service as posts
from chirp.posts.schemas import StatusCreate
from chirp.runtime import Runtime
from tests.conftest import PASSWORD


@contextmanager
def dying_after_commit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Commits go through; nothing that was to run after them ever does (the process died)."""
    with monkeypatch.context() as patched:
        patched.setattr(UnitOfWork, "after_commit", lambda self, callback: None)
        yield


async def _notifications(rt: Runtime, recipient: int) -> list[tuple[str, int]]:
    async with rt.uow() as uow:
        rows = await uow.for_id(recipient).scalars(
            select(Notification).where(Notification.account_id == recipient)
        )
        return [(n.type, n.from_account_id) for n in rows]


async def _recorded(rt: Runtime, kind: str) -> list[dict[str, Any]]:
    async with rt.uow() as uow:
        rows = await uow.everywhere(select(OutboxEvent).where(OutboxEvent.kind == kind))
    return [dict(row.payload) for row in rows]


async def _favourited_by_a_dying_process(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int, str]:
    """Alice's status, favourited by bob in a process that died right after the commit."""
    alice = await admin.create_account(rt, "alice", "alice@example.com", PASSWORD, admin=False)
    bob = await admin.create_account(rt, "bob", "bob@example.com", PASSWORD, admin=False)
    status = await posts.create(rt, alice, StatusCreate(status="like me"), None)
    with dying_after_commit(monkeypatch):
        await interactions.favourite(rt, bob, status["id"])
    return alice, bob, status["id"]


async def test_a_favourite_committed_by_a_process_that_died_notifies_once(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob, _ = await _favourited_by_a_dying_process(rt, monkeypatch)
    assert await _notifications(rt, alice) == []  # nothing ran after the commit
    payloads = await _recorded(rt, "notify.status_favourited")
    assert len(payloads) == 1

    await rt.jobs.drain()  # the next process's job runner
    assert await _notifications(rt, alice) == [("favourite", bob)]
    # Delivered again (a worker killed before its acknowledgement): still one.
    await rt.jobs.handlers.execute("notify.status_favourited", payloads[0])
    assert await _notifications(rt, alice) == [("favourite", bob)]


async def test_a_favourite_undone_before_its_job_ran_notifies_nobody(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob, status_id = await _favourited_by_a_dying_process(rt, monkeypatch)
    await interactions.unfavourite(rt, bob, status_id)
    await rt.jobs.drain()
    assert await _notifications(rt, alice) == []
