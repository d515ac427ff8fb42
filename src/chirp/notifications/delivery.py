"""Writing notifications, after the change that caused them has committed.

Each lands on its recipient's shard. A recipient who blocked the sender, or muted them with
notifications hidden, gets none; a duplicate (the same favourite twice, a redelivered job)
is skipped by the unique key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from chirp.core.ids import shard_of
from chirp.db.insert import insert_ignoring_duplicates
from chirp.graph.models import Block, Mute
from chirp.graph.platform import GraphPlatform
from chirp.graph.repository import GraphRepository
from chirp.notifications.events import NotificationsCreated
from chirp.notifications.models import Notification

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Pending:
    recipient_id: int
    type: str
    from_account_id: int
    status_id: int | None = None


async def deliver(rt: GraphPlatform, pending: Sequence[Pending]) -> None:
    wanted = [p for p in pending if p.recipient_id != p.from_account_id]
    if not wanted:
        return
    now = rt.clock.now()
    async with rt.uow(write=True) as uow:
        graph = GraphRepository(uow)
        by_shard: dict[int, list[dict[str, object]]] = defaultdict(list)
        made: list[tuple[int, int]] = []  # (recipient, notification)
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
            notification_id = rt.ids.next_id(shard_of(item.recipient_id))
            made.append((item.recipient_id, notification_id))
            by_shard[shard].append(
                {
                    "id": notification_id,
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
        await rt.events.emit(uow, NotificationsCreated(tuple(made)))
        await uow.commit()
    log.info("notifications_delivered", count=sum(len(r) for r in by_shard.values()))
