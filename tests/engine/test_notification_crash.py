"""Crash: the worker that was handed a favourite's notification job is SIGKILLed before it
could write the notification.

The favourite's commit records the job in the outbox (chirp.subscriptions' NOTIFYING); the
relay publishes it; RabbitMQ hands it to the worker, which acknowledges it only after the
notification is written. The worker here is stopped (SIGSTOP) before the favourite, so the
message reaches it and goes no further, then killed: RabbitMQ requeues the unacknowledged
message, the next worker writes the notification, and it is there exactly once.
"""

from __future__ import annotations

import asyncio
import signal

from sqlalchemy import select

from chirp.config import Settings
from chirp.notifications.models import Notification
from chirp.posts import interactions
from chirp.posts import service as posts
from chirp.posts.schemas import StatusCreate
from chirp.runtime import Runtime
from tests.conftest import REDIS
from tests.engine.conftest import (
    BROKER,
    Runtimes,
    Workers,
    configured,
    eventually,
    outbox_and_dead,
    sign_up,
    started,
)


async def _notifications(rt: Runtime, recipient: int) -> list[tuple[str, int]]:
    async with rt.uow() as uow:
        rows = await uow.for_id(recipient).scalars(
            select(Notification).where(Notification.account_id == recipient)
        )
        return [(n.type, n.from_account_id) for n in rows]


async def test_a_worker_killed_holding_a_favourites_notification_delivers_it_once(
    services: None, module_settings: Settings, runtimes: Runtimes, workers: Workers
) -> None:
    settings = configured(module_settings, redis_url=REDIS, broker_url=BROKER)
    rt = await runtimes(settings)
    broker = rt.jobs.broker
    assert broker is not None
    first = workers.start(settings)
    alice, bob = await sign_up(rt, "alice"), await sign_up(rt, "bob")
    await rt.jobs.start()  # the relay only: this process publishes, the workers consume
    await started(rt, workers, first)
    status = await posts.create(rt, alice, StatusCreate(status="like me"), None)

    async def settled() -> bool:
        return await outbox_and_dead(rt) == (0, 0) and await broker.depth() == 0

    await eventually(settled, 30, "the post's own jobs")
    first.send_signal(signal.SIGSTOP)
    await interactions.favourite(rt, bob, status["id"])
    # Published (the outbox is empty) and handed to the stopped worker (nothing is ready).
    await eventually(settled, 30, "the notification job's delivery to the stopped worker")
    await asyncio.sleep(0.5)
    assert await _notifications(rt, alice) == []  # the stopped worker wrote nothing
    workers.kill(first)

    second = workers.start(settings)
    await started(rt, workers, second)

    async def notified() -> bool:
        return await _notifications(rt, alice) != []

    await eventually(notified, 60, "the redelivered notification")
    await asyncio.sleep(1)  # (a second delivery would have landed by now)
    assert await _notifications(rt, alice) == [("favourite", bob)]
    assert await outbox_and_dead(rt) == (0, 0)
    assert await broker.depth() == 0
