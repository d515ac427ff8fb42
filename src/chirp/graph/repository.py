"""Every query on follows, follow requests, blocks and mutes.

Edges live on their source account's shard. Questions from the source ("whom do I follow?")
hit one database; questions about a target ("who follows me?") ask every database at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Boolean, CompoundSelect, cast, delete, literal, null, or_, select, union_all

from chirp.core.pagination import Page
from chirp.db.base import UTCDateTime
from chirp.db.shards import PhysicalShard
from chirp.db.uow import UnitOfWork
from chirp.graph.models import Block, Follow, FollowRequest, Mute

Edge = TypeVar("Edge", Follow, FollowRequest, Block, Mute)


class GraphRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def add(self, edge: Follow | FollowRequest | Block | Mute) -> None:
        self.uow.for_id(edge.account_id).add(edge)

    async def edge(self, model: type[Edge], account_id: int, target_id: int) -> Edge | None:
        return await self.uow.for_id(account_id).scalar(
            select(model).where(model.account_id == account_id, model.target_id == target_id)
        )

    async def remove(self, model: type[Edge], account_id: int, target_id: int) -> bool:
        """Delete one edge; whether there was one (so counters move only once)."""
        result: Any = await self.uow.for_id(account_id).execute(
            delete(model).where(model.account_id == account_id, model.target_id == target_id)
        )
        return bool(result.rowcount)

    async def targets(
        self, model: type[Edge], account_id: int, among: Iterable[int] | None = None
    ) -> list[Edge]:
        """The account's own edges of one kind (optionally only towards ``among``)."""
        query = select(model).where(model.account_id == account_id)
        if among is not None:
            wanted = list(set(among))
            if not wanted:
                return []
            query = query.where(model.target_id.in_(wanted))
        return list(await self.uow.for_id(account_id).scalars(query))

    async def own_edges(self, account_id: int) -> list[Any]:
        """The account's follows, blocks and mutes in one query on its shard, as rows of
        (kind, target_id, flag, expires_at): flag is show_reblogs for a follow and
        hide_notifications for a mute. Plain rows, not entities: a viewer can follow
        thousands, and every timeline request reads them."""
        flag = cast(null(), Boolean)
        never = cast(null(), UTCDateTime)
        query: CompoundSelect[str, int, bool | None, datetime | None] = union_all(
            select(literal("follow").label("kind"), Follow.target_id, Follow.show_reblogs, never)
            .where(Follow.account_id == account_id),
            select(literal("block"), Block.target_id, flag, never)
            .where(Block.account_id == account_id),
            select(literal("mute"), Mute.target_id, Mute.hide_notifications, Mute.expires_at)
            .where(Mute.account_id == account_id),
        )  # fmt: skip
        return list((await self.uow.for_id(account_id).execute(query)).all())

    async def sources(self, model: type[Edge], target_id: int, among: Iterable[int]) -> list[Edge]:
        """Edges towards ``target_id`` from the accounts ``among``, each asked on its shard."""
        return await self.uow.scatter(
            among,
            lambda wanted: select(model).where(
                model.target_id == target_id, model.account_id.in_(wanted)
            ),
        )

    async def all_sources(self, model: type[Edge], target_id: int) -> list[Edge]:
        """Every edge towards ``target_id`` (who blocks me?), from every database at once."""
        return await self.uow.everywhere(select(model).where(model.target_id == target_id))

    async def followers_after(
        self, shard: PhysicalShard, target_id: int, after: int, limit: int
    ) -> list[tuple[int, int]]:
        """(follow id, follower id) of one batch of the account's followers on one database,
        in follow id order after ``after``: fan-out walks each database in such batches."""
        query = (
            select(Follow.id, Follow.account_id)
            .where(Follow.target_id == target_id, Follow.id > after)
            .order_by(Follow.id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in await self.uow.session(shard).execute(query)]

    async def notified_followers(self, target_id: int) -> list[int]:
        """Followers who asked to be notified of the account's posts, from every database."""
        return await self.uow.everywhere(
            select(Follow.account_id).where(Follow.target_id == target_id, Follow.notify)
        )

    async def page_out(
        self, model: type[Edge], account_id: int, page: Page, now: datetime | None = None
    ) -> list[Edge]:
        """One page of the account's own edges, by edge id, newest first."""
        query = select(model).where(model.account_id == account_id)
        if model is Mute and now is not None:
            query = query.where(or_(Mute.expires_at.is_(None), Mute.expires_at > now))
        rows = list(await self.uow.for_id(account_id).scalars(page.apply(query, model.id)))
        return sorted(rows, key=lambda e: e.id, reverse=True)

    async def page_in(self, model: type[Edge], target_id: int, page: Page) -> list[Edge]:
        """One page of edges towards the account from every database, merged by edge id."""
        query = select(model).where(model.target_id == target_id)
        return page.take(await self.uow.everywhere(page.apply(query, model.id)))
