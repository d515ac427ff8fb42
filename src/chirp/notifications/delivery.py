"""Writing notifications, after the change that caused them has committed.

Each lands on its recipient's shard. A recipient who blocked the sender, or muted them with
notifications hidden, gets none; a duplicate (the same favourite twice, a redelivered job)
is skipped by the unique key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial

import structlog

from chirp.core.ids import shard_of
from chirp.db.insert import insert_ignoring_duplicates
from chirp.graph.models import Block, Mute
from chirp.graph.repository import GraphRepository
from chirp.notifications.models import Notification
from chirp.runtime import Runtime
from chirp.streaming import events as streams

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Pending:
    recipient_id: int
    type: str
    from_account_id: int
    status_id: int | None = None


async def deliver(rt: Runtime, pending: Sequence[Pending]) -> None:
    wanted = [p for p in pending if p.recipient_id != p.from_account_id]
    if not wanted:
        return
    now = rt.clock.now()
    async with rt.uow(write=True) as uow:
        graph = GraphRepository(uow)
        by_shard: dict[int, list[dict[str, object]]] = defaultdict(list)
        for item in wanted:
            if await graph.edge(Block, item.recipient_id, item.from_account_id):
                continue
            mute = await graph.edge(Mute, item.recipient_id, item.from_account_id)
            if (
                mute
                and mute.hide_notifications
                and (mute.expires_at is None or mute.expires_at > now)
            ):
                continue
            shard = rt.shards.for_id(item.recipient_id).index
            by_shard[shard].append(
                {
                    "id": rt.ids.next_id(shard_of(item.recipient_id)),
                    "account_id": item.recipient_id,
                    "type": item.type,
                    "from_account_id": item.from_account_id,
                    "status_id": item.status_id or 0,
                    "created_at": now,
                }
            )
        for physical in rt.shards.physical:
            rows = by_shard.get(physical.index)
            if rows:
                await insert_ignoring_duplicates(uow.session(physical), Notification, rows)
        made = [(r["account_id"], r["id"]) for rows in by_shard.values() for r in rows]
        uow.after_commit(partial(streams.notification_created, rt, made))
        await uow.commit()
    log.info("notifications_delivered", count=sum(len(r) for r in by_shard.values()))


def after_commit(rt: Runtime, pending: Sequence[Pending]) -> Callable[[], Awaitable[None]]:
    """A callback for ``UnitOfWork.after_commit`` that delivers ``pending``."""
    frozen = list(pending)

    async def run() -> None:
        await deliver(rt, frozen)

    return run
