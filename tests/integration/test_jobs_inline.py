"""Without a broker, a request waits only so long for the jobs it caused; the rest finish in
the background, and their outbox rows stay until they have."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import select

from chirp.accounts import admin
from chirp.config import Settings
from chirp.jobs.models import OutboxEvent
from chirp.jobs.repository import OutboxRepository
from chirp.posts import service as posts
from chirp.posts.schemas import StatusCreate
from chirp.runtime import Runtime
from tests.conftest import PASSWORD, empty_all_tables


async def test_a_slow_fan_out_goes_on_after_the_post_has_answered(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = Runtime.build(settings.model_copy(update={"job_inline_wait": 0.05, "node_id": 7}))
    await empty_all_tables(rt)
    finished = asyncio.Event()
    real = rt.jobs.handlers["status.created"]

    async def slow(payload: dict[str, Any]) -> None:
        await asyncio.sleep(1.0)
        await real(payload)
        finished.set()

    monkeypatch.setitem(rt.jobs.handlers, "status.created", slow)
    try:
        author = await admin.create_account(
            rt, "slowpoke", "slowpoke@example.com", PASSWORD, admin=False
        )
        started = time.perf_counter()
        await posts.create(rt, author, StatusCreate(status="hello"), None)
        answered = time.perf_counter() - started
        assert not finished.is_set()  # the post answered while its fan-out was still running
        assert await _fan_outs_waiting(rt) == 1  # kept until handled
        await asyncio.wait_for(finished.wait(), 10)
        await asyncio.sleep(0.2)  # the row is deleted right after the handler returns
        async with rt.uow() as uow:
            assert await OutboxRepository(uow).waiting() == 0
        assert answered < 1.0
    finally:
        await rt.close()


async def _fan_outs_waiting(rt: Runtime) -> int:
    """The post's own outbox row (beside it, the notifications' job may wait too)."""
    async with rt.uow() as uow:
        rows = await uow.everywhere(
            select(OutboxEvent.id).where(OutboxEvent.kind == "status.created")
        )
    return len(rows)
