"""Every query on followed tags (each on the follower's shard)."""

from __future__ import annotations

from sqlalchemy import delete, select

from chirp.core.pagination import Page
from chirp.db.uow import UnitOfWork
from chirp.tags.models import TagFollow


class TagRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def followed_names(self, account_id: int) -> list[str]:
        rows = await self.uow.for_id(account_id).scalars(
            select(TagFollow.name).where(TagFollow.account_id == account_id)
        )
        return list(rows)

    async def followers_of(self, names: list[str]) -> list[int]:
        """Accounts following any of the tags, from every database."""
        query = select(TagFollow.account_id).where(TagFollow.name.in_(names)).distinct()
        return await self.uow.everywhere(query)

    async def follows(self, account_id: int, name: str) -> TagFollow | None:
        return await self.uow.for_id(account_id).scalar(
            select(TagFollow).where(TagFollow.account_id == account_id, TagFollow.name == name)
        )

    def add(self, follow: TagFollow) -> None:
        self.uow.for_id(follow.account_id).add(follow)

    async def remove(self, account_id: int, name: str) -> None:
        await self.uow.for_id(account_id).execute(
            delete(TagFollow).where(TagFollow.account_id == account_id, TagFollow.name == name)
        )

    async def page(self, account_id: int, page: Page) -> list[TagFollow]:
        query = select(TagFollow).where(TagFollow.account_id == account_id)
        rows = await self.uow.for_id(account_id).scalars(page.apply(query, TagFollow.id))
        return sorted(rows, key=lambda t: t.id, reverse=True)
