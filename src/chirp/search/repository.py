"""Every search query. Search owns indexes over other contexts' tables (its migration makes
them), so its queries read those tables here rather than through their repositories.

Each query runs on every database at once and asks each for its best ``window`` rows (offset
plus limit); the service merges them, so paging by offset is exact across shards.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
)

from chirp.accounts.models import Account
from chirp.db.shards import PhysicalShard
from chirp.db.uow import UnitOfWork
from chirp.posts.models import Status, StatusMention, StatusTag
from chirp.search.indexes import TS_CONFIG


@dataclass(frozen=True, slots=True)
class SearchScope:
    """What the searcher may find besides public posts of discoverable accounts."""

    viewer_id: int | None = None
    following: Collection[int] = ()
    hidden: Collection[int] = ()  # authors blocked or muted either way
    author_id: int | None = None  # only this author's statuses (``account_id``)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SearchRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.dialect = uow.shards.physical[0].engine.dialect.name

    async def accounts(
        self,
        username: str,
        words: str,
        window: int,
        among: Collection[int] | None = None,
        hidden: Collection[int] = (),
    ) -> list[Account]:
        """Accounts whose username starts with ``username`` or whose display name contains
        ``words``; the exact username first, then the most followed."""
        match = [Account.username_key.like(_like_escape(username.lower()) + "%", escape="\\")]
        if words:
            pattern = "%" + _like_escape(words.lower()) + "%"
            match.append(func.lower(Account.display_name).like(pattern, escape="\\"))
        query = select(Account).where(or_(*match))
        if hidden:
            query = query.where(Account.id.not_in(list(hidden)))
        query = query.order_by(
            (Account.username_key == username.lower()).desc(),
            Account.followers_count.desc(),
            Account.id,
        ).limit(window)
        if among is not None:
            return await self.uow.scatter(among, lambda wanted: query.where(Account.id.in_(wanted)))
        return await self.uow.everywhere(query)

    async def tags(self, prefix: str, window: int) -> list[tuple[str, int]]:
        """(name, uses) of public and unlisted tag uses whose name starts with ``prefix``."""
        if self.dialect == "sqlite":
            # GLOB is case-sensitive, so it can use the name index (LIKE cannot); tag names
            # are lower-case word characters, never GLOB's special ones.
            match = StatusTag.name.op("GLOB")(prefix + "*")
        else:
            match = StatusTag.name.like(_like_escape(prefix) + "%", escape="\\")
        uses = func.count().label("uses")
        query = (
            select(StatusTag.name, uses)
            .where(match, StatusTag.visibility.in_(("public", "unlisted")))
            .group_by(StatusTag.name)
            .order_by(uses.desc(), StatusTag.name)
            .limit(window)
        )

        async def load(shard: PhysicalShard) -> list[tuple[str, int]]:
            rows = await self.uow.session(shard).execute(query)
            return [(row.name, int(row.uses)) for row in rows]

        return [pair for found in await self.uow.shards.gather(load) for pair in found]

    def status_query(self, words: Sequence[str], scope: SearchScope, window: int) -> Select[Any]:
        """Statuses (not reblogs) containing every word that ``scope`` may find, newest first."""
        query = select(Status).where(Status.reblog_of_id.is_(None), self._matches(words))
        query = query.where(_visible_to(scope))
        if scope.hidden:
            query = query.where(Status.account_id.not_in(list(scope.hidden)))
        if scope.author_id is not None:
            query = query.where(Status.account_id == scope.author_id)
        return query.order_by(Status.id.desc()).limit(window)

    async def statuses(self, words: Sequence[str], scope: SearchScope, window: int) -> list[Status]:
        return await self.uow.everywhere(self.status_query(words, scope, window))

    def _matches(self, words: Sequence[str]) -> Any:
        if not words:
            return false()
        if self.dialect == "sqlite":
            # Each word quoted: user input is never FTS5 query syntax.
            fts_query = " ".join(f'"{word}"' for word in words)
            ids = (
                text("SELECT rowid FROM status_fts WHERE status_fts MATCH :fts_query")
                .bindparams(fts_query=fts_query)
                .columns(column("rowid", BigInteger))
            )
            return Status.id.in_(ids)
        # The expression must be the GIN index's, literally, for the planner to use it.
        config: ColumnElement[str] = literal_column(TS_CONFIG)
        return func.to_tsvector(config, Status.text).op("@@")(
            func.plainto_tsquery(config, " ".join(words))
        )


def _visible_to(scope: SearchScope) -> Any:
    """Public posts of accounts that are discoverable (search is a discovery feature, so
    unlisted posts of others stay out); for a signed-in searcher also their own, those
    mentioning them, and unlisted and private ones of accounts they follow."""
    discoverable = exists(
        select(Account.id).where(Account.id == Status.account_id, Account.discoverable)
    )
    allowed = [and_(Status.visibility == "public", discoverable)]
    viewer = scope.viewer_id
    if viewer is not None:
        allowed.append(Status.account_id == viewer)
        allowed.append(
            exists(
                select(StatusMention.status_id).where(
                    StatusMention.status_id == Status.id, StatusMention.account_id == viewer
                )
            )
        )
        if scope.following:
            allowed.append(
                and_(
                    Status.visibility.in_(("unlisted", "private")),
                    Status.account_id.in_(list(scope.following)),
                )
            )
    return or_(*allowed)
