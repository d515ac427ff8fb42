"""Every query on notifications (each on its recipient's shard)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select

from chirp.core.pagination import Page
from chirp.db.shards import PhysicalShard
from chirp.db.uow import UnitOfWork
from chirp.notifications.models import Notification


class NotificationRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def page(
        self,
        account_id: int,
        page: Page,
        *,
        types: Sequence[str] | None,
        exclude: Sequence[str],
        from_account_id: int | None,
    ) -> list[Notification]:
        query = select(Notification).where(Notification.account_id == account_id)
        if types:
            query = query.where(Notification.type.in_(list(types)))
        if exclude:
            query = query.where(Notification.type.not_in(list(exclude)))
        if from_account_id is not None:
            query = query.where(Notification.from_account_id == from_account_id)
        rows = await self.uow.for_id(account_id).scalars(page.apply(query, Notification.id))
        return sorted(rows, key=lambda n: n.id, reverse=True)

    async def get(self, account_id: int, notification_id: int) -> Notification | None:
        return await self.uow.for_id(account_id).scalar(
            select(Notification).where(
                Notification.id == notification_id, Notification.account_id == account_id
            )
        )

    async def by_ids(self, notification_ids: Iterable[int]) -> list[Notification]:
        """Notifications by id, each read on the shard its id carries (its recipient's)."""
        return await self.uow.scatter(
            notification_ids, lambda ids: select(Notification).where(Notification.id.in_(ids))
        )

    async def dismiss(self, account_id: int, notification_id: int) -> None:
        await self.uow.for_id(account_id).execute(
            delete(Notification).where(
                Notification.id == notification_id, Notification.account_id == account_id
            )
        )

    async def clear(self, account_id: int) -> None:
        await self.uow.for_id(account_id).execute(
            delete(Notification).where(Notification.account_id == account_id)
        )

    async def remove_about(self, status_ids: Sequence[int]) -> None:
        """Notifications about deleted statuses, wherever their recipients live."""
        if not status_ids:
            return

        async def wipe(shard: PhysicalShard) -> Any:
            return await self.uow.session(shard).execute(
                delete(Notification).where(Notification.status_id.in_(list(status_ids)))
            )

        await self.uow.shards.gather(wipe)

    async def remove_between(
        self,
        recipient_id: int,
        from_account_id: int,
        types: Sequence[str],
        status_id: int | None = None,
    ) -> None:
        """Notifications an action made, when the action is taken back (an unfavourite)."""
        query = delete(Notification).where(
            Notification.account_id == recipient_id,
            Notification.from_account_id == from_account_id,
            Notification.type.in_(list(types)),
        )
        if status_id is not None:
            query = query.where(Notification.status_id == status_id)
        await self.uow.for_id(recipient_id).execute(query)
