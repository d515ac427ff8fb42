"""Every query on media attachments. A row is found on the shard its id (its uploader's)
names; a page of statuses' attachments is one query per database holding any of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_, select, update
from sqlalchemy.orm import QueryableAttribute

from chirp.db.uow import UnitOfWork
from chirp.media.models import MediaAttachment


def has_media(status_id: ColumnElement[int] | QueryableAttribute[int]) -> ColumnElement[bool]:
    """A condition for other contexts' queries: the status has attachments (which live on the
    status's own database, so this never crosses shards)."""
    return exists(select(MediaAttachment.id).where(MediaAttachment.status_id == status_id))


class MediaRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def add(self, media: MediaAttachment) -> None:
        self.uow.for_id(media.id).add(media)

    async def get(self, media_id: int) -> MediaAttachment | None:
        return await self.uow.for_id(media_id).get(MediaAttachment, media_id)

    async def fresh(self, media_id: int) -> MediaAttachment | None:
        """The row as the database has it now (another task may have finished processing)."""
        session = self.uow.for_id(media_id)
        return await session.get(MediaAttachment, media_id, populate_existing=True)

    async def of_statuses(self, status_ids: Iterable[int]) -> list[MediaAttachment]:
        """Attachments of the statuses, on the statuses' shards (their authors')."""
        return await self.uow.scatter(
            status_ids,
            lambda wanted: select(MediaAttachment).where(MediaAttachment.status_id.in_(wanted)),
        )

    async def owned(self, account_id: int, media_ids: Sequence[int]) -> list[MediaAttachment]:
        if not media_ids:
            return []
        rows = await self.uow.for_id(account_id).scalars(
            select(MediaAttachment).where(
                MediaAttachment.account_id == account_id, MediaAttachment.id.in_(media_ids)
            )
        )
        return list(rows)

    async def attach(self, status_id: int, account_id: int, media_ids: Sequence[int]) -> int:
        """Attach unattached media (or media already on this status) in the given order;
        how many rows took it. A racing post that attached one first leaves it out."""
        session = self.uow.for_id(account_id)
        taken = 0
        for position, media_id in enumerate(media_ids):
            result: Any = await session.execute(
                update(MediaAttachment)
                .where(
                    MediaAttachment.id == media_id,
                    MediaAttachment.account_id == account_id,
                    or_(
                        MediaAttachment.status_id.is_(None),
                        MediaAttachment.status_id == status_id,
                    ),
                )
                .values(status_id=status_id, position=position)
                .execution_options(synchronize_session=False)
            )
            taken += int(result.rowcount or 0)
        return taken

    async def detach(self, status_id: int, keep: Sequence[int] = ()) -> None:
        """Unattach a status's media (other than ``keep``): they go back to the uploader,
        for a redraft, and are cleaned up like any unattached upload."""
        query = update(MediaAttachment).where(MediaAttachment.status_id == status_id)
        if keep:
            query = query.where(MediaAttachment.id.not_in(list(keep)))
        await self.uow.for_id(status_id).execute(
            query.values(status_id=None).execution_options(synchronize_session=False)
        )

    async def unattached_before(self, cutoff: datetime, limit: int) -> list[MediaAttachment]:
        """Uploads never attached (or detached) and older than ``cutoff``, on every database."""
        return await self.uow.everywhere(
            select(MediaAttachment)
            .where(MediaAttachment.status_id.is_(None), MediaAttachment.created_at < cutoff)
            .order_by(MediaAttachment.created_at)
            .limit(limit)
        )

    async def remove(self, media: MediaAttachment) -> None:
        await self.uow.for_id(media.id).execute(
            delete(MediaAttachment).where(MediaAttachment.id == media.id)
        )

    async def keys_in_use(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` any attachment still uses, on every database."""
        wanted = list(set(keys))
        if not wanted:
            return set()
        used: set[str] = set()
        for column in (MediaAttachment.file_key, MediaAttachment.preview_key):
            used.update(await self.uow.everywhere(select(column).where(column.in_(wanted))))
        return used
