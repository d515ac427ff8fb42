"""Every query on statuses and the interactions on them.

A status is found on the shard its id names. Statuses of many authors are read one query per
database, all databases at once; a viewer's own interactions (favourites, bookmarks, reblogs,
pins) come from the viewer's shard in one query each, whatever the page size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Select,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)

from chirp.core.ids import lowest_id_at
from chirp.core.pagination import Page
from chirp.db.shards import PhysicalShard
from chirp.db.uow import UnitOfWork
from chirp.media.repository import has_media
from chirp.posts.models import (
    Bookmark,
    Favourite,
    IdempotencyKey,
    Pin,
    Status,
    StatusEdit,
    StatusMention,
    StatusTag,
)

Mark = TypeVar("Mark", Favourite, Bookmark, Pin)


class StatusRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    # -- helpers ---------------------------------------------------------------------------

    # -- statuses --------------------------------------------------------------------------

    def add(self, *rows: Status | StatusMention | StatusTag | StatusEdit | IdempotencyKey) -> None:
        for row in rows:
            key = (
                row.id
                if isinstance(row, Status | StatusEdit)
                else (row.account_id if isinstance(row, IdempotencyKey) else row.status_id)
            )
            self.uow.for_id(key).add(row)

    async def get(self, status_id: int) -> Status | None:
        return await self.uow.for_id(status_id).get(Status, status_id)

    async def get_many(self, ids: Iterable[int], *, reuse: bool = False) -> dict[int, Status]:
        """With ``reuse``, rows an earlier ``reuse`` call of this unit of work read are not
        asked for again, and the rows read now are kept for the next."""
        wanted = set(ids)
        found = self.uow.loaded(Status, wanted) if reuse else {}
        rest = wanted - found.keys()
        if rest:
            rows = await self.uow.scatter(rest, lambda w: select(Status).where(Status.id.in_(w)))
            if reuse:
                self.uow.hold(rows)
            found.update((s.id, s) for s in rows)
        return found

    async def mentions(self, status_ids: Iterable[int]) -> list[StatusMention]:
        return await self.uow.scatter(
            status_ids, lambda w: select(StatusMention).where(StatusMention.status_id.in_(w))
        )

    async def tags(self, status_ids: Iterable[int]) -> list[StatusTag]:
        return await self.uow.scatter(
            status_ids, lambda w: select(StatusTag).where(StatusTag.status_id.in_(w))
        )

    async def replace_mentions_and_tags(
        self, status: Status, mentions: list[StatusMention], tags: list[StatusTag]
    ) -> None:
        session = self.uow.for_id(status.id)
        await session.execute(delete(StatusMention).where(StatusMention.status_id == status.id))
        await session.execute(delete(StatusTag).where(StatusTag.status_id == status.id))
        self.add(*mentions, *tags)

    async def delete(self, status: Status) -> bool:
        """Delete a status and what only it has; whether this call removed it (a racing
        delete may have been first, and then no counter must move again)."""
        session = self.uow.for_id(status.id)
        if status.reblog_of_id is None:  # reblogs have no mentions, tags or edits
            for model in (StatusMention, StatusTag, StatusEdit):
                await session.execute(delete(model).where(model.status_id == status.id))
        result: Any = await session.execute(delete(Status).where(Status.id == status.id))
        return bool(result.rowcount)

    async def bump(self, status_id: int, **deltas: int) -> None:
        """Add to counters in one atomic UPDATE, exact however many requests race."""
        values = {name: getattr(Status, name) + delta for name, delta in deltas.items()}
        await self.uow.for_id(status_id).execute(
            update(Status)
            .where(Status.id == status_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    async def counts(self, status_id: int) -> Status | None:
        """The status with its counters read fresh (after a bump in this transaction)."""
        session = self.uow.for_id(status_id)
        return await session.get(Status, status_id, populate_existing=True)

    async def edits(self, status_id: int) -> list[StatusEdit]:
        rows = await self.uow.for_id(status_id).scalars(
            select(StatusEdit).where(StatusEdit.status_id == status_id).order_by(StatusEdit.id)
        )
        return list(rows)

    async def replies_to(self, status_ids: Iterable[int]) -> list[Status]:
        wanted = list(set(status_ids))
        if not wanted:
            return []
        return await self.uow.everywhere(select(Status).where(Status.in_reply_to_id.in_(wanted)))

    async def reblogs_of(self, status_id: int) -> list[Status]:
        return await self.uow.everywhere(select(Status).where(Status.reblog_of_id == status_id))

    async def reblogs_page(self, status_id: int, page: Page) -> list[Status]:
        """Public and unlisted reblogs of a status (a followers-only reblog is not listed)."""
        query = select(Status).where(
            Status.reblog_of_id == status_id, Status.visibility.in_(("public", "unlisted"))
        )
        return page.take(await self.uow.everywhere(page.apply(query, Status.id)))

    async def reblog_by(self, account_id: int, status_id: int) -> Status | None:
        return await self.uow.for_id(account_id).scalar(
            select(Status).where(Status.account_id == account_id, Status.reblog_of_id == status_id)
        )

    async def reblogs_by_original(
        self, status_ids: Iterable[int]
    ) -> dict[int, list[tuple[int, int]]]:
        """Every reblog of these statuses as (reblog id, reblogger), oldest first, from every
        database (reblogs live on their rebloggers' shards)."""
        wanted = list(set(status_ids))
        found: dict[int, list[tuple[int, int]]] = {i: [] for i in wanted}
        if not wanted:
            return found
        query = select(Status.reblog_of_id, Status.id, Status.account_id).where(
            Status.reblog_of_id.in_(wanted)
        )

        async def load(shard: PhysicalShard) -> list[Any]:
            return list((await self.uow.session(shard).execute(query)).all())

        for rows in await self.uow.shards.gather(load):
            for original, reblog, account in rows:
                found[original].append((reblog, account))
        for reblogs in found.values():
            reblogs.sort()
        return found

    async def counts_of(self, status_ids: Iterable[int]) -> dict[int, tuple[int, int, int]]:
        """(reblogs, favourites, replies) of each status that exists."""
        rows = await self.uow.scatter(
            status_ids,
            lambda wanted: select(
                Status.id, Status.reblogs_count, Status.favourites_count, Status.replies_count
            ).where(Status.id.in_(wanted)),
            rows=True,
        )
        return {i: (r, f, p) for i, r, f, p in rows}

    async def first_reblogs(self, status_ids: Iterable[int], by: Iterable[int]) -> dict[int, int]:
        """For each status, the id of its earliest reblog by any of the accounts ``by``."""
        wanted = list(set(status_ids))
        found = await self.uow.scatter(
            by,
            lambda accounts: (
                select(Status.reblog_of_id, func.min(Status.id))
                .where(Status.reblog_of_id.in_(wanted), Status.account_id.in_(accounts))
                .group_by(Status.reblog_of_id)
            ),
            rows=True,
        )
        first: dict[int, int] = {}
        for original_id, reblog_id in found:
            first[original_id] = min(reblog_id, first.get(original_id, reblog_id))
        return first

    async def reblogged_among(self, account_id: int, status_ids: Iterable[int]) -> set[int]:
        wanted = list(set(status_ids))
        if not wanted:
            return set()
        rows = await self.uow.for_id(account_id).scalars(
            select(Status.reblog_of_id).where(
                Status.account_id == account_id, Status.reblog_of_id.in_(wanted)
            )
        )
        return {r for r in rows if r is not None}

    # -- timelines ------------------------------------------------------------------------

    async def by_author(
        self,
        account_id: int,
        page: Page,
        *,
        exclude_replies: bool = False,
        exclude_reblogs: bool = False,
        tag: str | None = None,
        only_media: bool = False,
    ) -> list[Status]:
        """A page of one account's statuses, with Mastodon's account-timeline filters."""
        query = select(Status).where(Status.account_id == account_id)
        if only_media:  # a reblog carries no media of its own, so reblogs drop out too
            query = query.where(has_media(Status.id))
        if exclude_replies:  # replies to oneself (threads) stay
            query = query.where(
                or_(Status.in_reply_to_id.is_(None), Status.in_reply_to_account_id == account_id)
            )
        if exclude_reblogs or tag:
            query = query.where(Status.reblog_of_id.is_(None))
        if tag:
            query = query.where(
                exists(
                    select(StatusTag.status_id).where(
                        StatusTag.status_id == Status.id, StatusTag.name == tag
                    )
                )
            )
        rows = await self.uow.for_id(account_id).scalars(page.apply(query, Status.id))
        return page.take(list(rows))

    async def by_accounts(self, account_ids: Iterable[int], page: Page) -> list[Status]:
        """A page of statuses by any of ``account_ids``, from their shards at once."""
        rows = await self.uow.scatter(
            account_ids,
            lambda wanted: page.apply(
                select(Status).where(Status.account_id.in_(wanted)), Status.id
            ),
        )
        return page.take(rows)

    async def ids_by_accounts(self, account_ids: Iterable[int], page: Page) -> list[int]:
        """The ids of a page of statuses by any of ``account_ids``, without loading rows."""
        ids = await self.uow.scatter(
            account_ids,
            lambda wanted: page.apply(
                select(Status.id).where(Status.account_id.in_(wanted)), Status.id
            ),
        )
        return page.pick(ids)

    async def public(self, page: Page, *, only_media: bool = False) -> list[Status]:
        """Public, original (not reblog) statuses that are not replies to someone else."""
        query = select(Status).where(
            Status.visibility == "public",
            Status.reblog_of_id.is_(None),
            or_(
                Status.in_reply_to_id.is_(None), Status.in_reply_to_account_id == Status.account_id
            ),
        )
        if only_media:
            query = query.where(has_media(Status.id))
        return page.take(await self.uow.everywhere(page.apply(query, Status.id)))

    async def with_media(self, status_ids: Iterable[int]) -> set[int]:
        """Which of these statuses have attachments."""
        found = await self.uow.scatter(
            status_ids,
            lambda wanted: select(Status.id).where(Status.id.in_(wanted), has_media(Status.id)),
        )
        return set(found)

    async def tagged(
        self, names: Sequence[str], page: Page, visibilities: Sequence[str] = ("public",)
    ) -> list[int]:
        """Ids of statuses carrying any of the tags, newest first, from every database."""
        query = select(StatusTag.status_id).where(
            StatusTag.name.in_(list(names)), StatusTag.visibility.in_(list(visibilities))
        )
        found = await self.uow.everywhere(page.apply(query, StatusTag.status_id))
        return page.pick(found)

    async def tag_uses(self, names: Sequence[str], since: datetime) -> list[StatusTag]:
        """Every use of the tags since ``since``, for their history."""
        query = select(StatusTag).where(
            StatusTag.name.in_(list(names)),
            StatusTag.status_id >= lowest_id_at(since),
            StatusTag.visibility.in_(("public", "unlisted")),  # history must not reveal others
        )
        return await self.uow.everywhere(query)

    # -- favourites, bookmarks, pins ---------------------------------------------------------

    def add_mark(self, mark: Favourite | Bookmark | Pin) -> None:
        self.uow.for_id(mark.account_id).add(mark)

    async def mark(self, model: type[Mark], account_id: int, status_id: int) -> Mark | None:
        return await self.uow.for_id(account_id).scalar(
            select(model).where(model.account_id == account_id, model.status_id == status_id)
        )

    async def remove_mark(self, model: type[Mark], account_id: int, status_id: int) -> bool:
        result: Any = await self.uow.for_id(account_id).execute(
            delete(model).where(model.account_id == account_id, model.status_id == status_id)
        )
        return bool(result.rowcount)

    async def marked_among(
        self, model: type[Mark], account_id: int, status_ids: Iterable[int]
    ) -> set[int]:
        wanted = list(set(status_ids))
        if not wanted:
            return set()
        rows = await self.uow.for_id(account_id).scalars(
            select(model.status_id).where(
                model.account_id == account_id, model.status_id.in_(wanted)
            )
        )
        return set(rows)

    async def viewer_marks(
        self, account_id: int, status_ids: Iterable[int] | None
    ) -> dict[str, set[int]]:
        """Which of ``status_ids`` (every status, with None) the account favourited,
        bookmarked, pinned and reblogged: one query on its shard (a UNION ALL)."""
        wanted = None if status_ids is None else list(set(status_ids))
        found: dict[str, set[int]] = {"favourite": set(), "bookmark": set(), "pin": set()}
        found["reblog"] = set()
        if wanted == []:
            return found
        parts: list[Select[str, int | None]] = [
            select(literal(kind).label("kind"), model.status_id.label("status_id")).where(
                model.account_id == account_id,
                true() if wanted is None else model.status_id.in_(wanted),
            )
            for kind, model in (("favourite", Favourite), ("bookmark", Bookmark), ("pin", Pin))
        ]
        parts.append(
            select(literal("reblog").label("kind"), Status.reblog_of_id.label("status_id")).where(
                Status.account_id == account_id,
                Status.reblog_of_id.is_not(None)
                if wanted is None
                else Status.reblog_of_id.in_(wanted),
            )
        )
        rows = await self.uow.for_id(account_id).execute(union_all(*parts))
        for kind, status_id in rows:
            if status_id is not None:  # a reblog's reblog_of_id is never NULL
                found[kind].add(status_id)
        return found

    async def marks_page(self, model: type[Mark], account_id: int, page: Page) -> list[Mark]:
        query = select(model).where(model.account_id == account_id)
        rows = await self.uow.for_id(account_id).scalars(page.apply(query, model.id))
        return sorted(rows, key=lambda m: m.id, reverse=True)

    async def count_marks(self, model: type[Mark], account_id: int) -> int:
        rows = await self.uow.for_id(account_id).scalars(
            select(model.id).where(model.account_id == account_id)
        )
        return len(list(rows))

    async def marks_of_status(self, model: type[Mark], status_id: int, page: Page) -> list[Mark]:
        """Who favourited (or bookmarked) a status: every database, by mark id."""
        query = select(model).where(model.status_id == status_id)
        return page.take(await self.uow.everywhere(page.apply(query, model.id)))

    async def remove_marks_of_status(self, status_id: int) -> None:
        """Every favourite, bookmark and pin of a deleted status, on every database."""

        async def wipe(shard: PhysicalShard) -> None:
            session = self.uow.session(shard)
            for model in (Favourite, Bookmark, Pin):
                await session.execute(delete(model).where(model.status_id == status_id))

        await self.uow.shards.gather(wipe)

    # -- idempotency ---------------------------------------------------------------------

    async def idempotent(self, account_id: int, key: str) -> IdempotencyKey | None:
        return await self.uow.for_id(account_id).get(IdempotencyKey, (account_id, key))
