"""Favourites, reblogs, bookmarks and pins.

Each mark lives on the shard of the account that made it; the counter it moves lives on the
status. The counter moves in the same unit of work, by an atomic UPDATE, and only when the
mark really appeared or disappeared, so any number of racing requests leaves it exact.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError

from chirp.accounts.repository import AccountRepository
from chirp.core.entities import Kind, forget_after_commit
from chirp.core.errors import Forbidden, NotFound, Unprocessable
from chirp.core.ids import shard_of
from chirp.core.pagination import Page
from chirp.db.uow import UnitOfWork
from chirp.graph.platform import GraphPlatform
from chirp.graph.service import account_page
from chirp.jobs.outbox import record
from chirp.posts import service
from chirp.posts.access import proper, visible_status
from chirp.posts.events import (
    StatusFavourited,
    StatusMarked,
    StatusReblogged,
    StatusUnfavourited,
)
from chirp.posts.models import Bookmark, Favourite, Pin, Status
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews

log = structlog.get_logger(__name__)
MAX_PINS = 5
NOT_ALLOWED = "This action is not allowed"


async def _view(
    rt: GraphPlatform, uow: UnitOfWork, status_id: int, viewer_id: int
) -> dict[str, Any]:
    """The status read afresh (counters just moved; a rollback may have expired the row)."""
    fresh = await StatusRepository(uow).counts(status_id)
    view = await StatusViews.of(rt, uow, viewer_id).one(fresh) if fresh else None
    if view is None:
        raise NotFound()
    return view


async def favourite(rt: GraphPlatform, viewer_id: int, raw_id: str) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        status, _ = await proper(rt, uow, raw_id, viewer_id)
        status_id = status.id
        repo = StatusRepository(uow)
        if await repo.mark(Favourite, viewer_id, status.id) is None:
            repo.add_mark(
                Favourite(
                    id=rt.ids.next_id(shard_of(viewer_id)),
                    account_id=viewer_id,
                    status_id=status.id,
                    created_at=rt.clock.now(),
                )
            )
            await repo.bump(status.id, favourites_count=1)
            await rt.events.emit(uow, StatusFavourited(status.id, status.account_id, viewer_id))
            await uow.commit_unless_duplicate()  # a racing twin's favourite counts once
        return await _view(rt, uow, status_id, viewer_id)


async def unfavourite(rt: GraphPlatform, viewer_id: int, raw_id: str) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        status, _ = await proper(rt, uow, raw_id, viewer_id)
        status_id = status.id
        repo = StatusRepository(uow)
        if await repo.remove_mark(Favourite, viewer_id, status.id):
            await repo.bump(status.id, favourites_count=-1)
            await rt.events.emit(uow, StatusUnfavourited(status.id, status.account_id, viewer_id))
        await uow.commit()
        return await _view(rt, uow, status_id, viewer_id)


async def bookmark(rt: GraphPlatform, viewer_id: int, raw_id: str, on: bool) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        status, _ = await proper(rt, uow, raw_id, viewer_id)
        status_id = status.id
        repo = StatusRepository(uow)
        if on and await repo.mark(Bookmark, viewer_id, status.id) is None:
            repo.add_mark(
                Bookmark(
                    id=rt.ids.next_id(shard_of(viewer_id)),
                    account_id=viewer_id,
                    status_id=status.id,
                    created_at=rt.clock.now(),
                )
            )
        elif not on:
            await repo.remove_mark(Bookmark, viewer_id, status.id)
        await rt.events.emit(uow, StatusMarked(status_id, viewer_id))
        await uow.commit_unless_duplicate()
        return await _view(rt, uow, status_id, viewer_id)


async def pin(rt: GraphPlatform, viewer_id: int, raw_id: str, on: bool) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        status, _ = await visible_status(rt, uow, raw_id, viewer_id)
        status_id = status.id
        own = status.account_id == viewer_id and status.reblog_of_id is None
        if on and not own:  # unpinning what one never pinned is nothing to do, as Mastodon
            raise Unprocessable("Validation failed: You can only pin your own posts")
        repo = StatusRepository(uow)
        if on:
            if status.visibility == "direct":
                raise Unprocessable("Validation failed: Direct messages cannot be pinned")
            if await repo.mark(Pin, viewer_id, status.id) is None:
                if await repo.count_marks(Pin, viewer_id) >= MAX_PINS:
                    raise Unprocessable(
                        "Validation failed: You have already pinned the maximum number of posts"
                    )
                repo.add_mark(
                    Pin(
                        id=rt.ids.next_id(shard_of(viewer_id)),
                        account_id=viewer_id,
                        status_id=status.id,
                        created_at=rt.clock.now(),
                    )
                )
        else:
            await repo.remove_mark(Pin, viewer_id, status.id)
        await rt.events.emit(uow, StatusMarked(status_id, viewer_id))
        await uow.commit_unless_duplicate()
        return await _view(rt, uow, status_id, viewer_id)


async def reblog(rt: GraphPlatform, viewer_id: int, raw_id: str, visibility: str) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        status, _ = await proper(rt, uow, raw_id, viewer_id)
        status_id = status.id
        own_private = status.visibility == "private" and status.account_id == viewer_id
        if status.visibility not in ("public", "unlisted") and not own_private:
            raise Forbidden(NOT_ALLOWED)
        repo = StatusRepository(uow)
        existing = await repo.reblog_by(viewer_id, status.id)
        if existing is None:
            now = rt.clock.now()
            existing = Status(
                id=rt.ids.next_id(shard_of(viewer_id)),
                account_id=viewer_id,
                in_reply_to_id=None,
                in_reply_to_account_id=None,
                reblog_of_id=status.id,
                reblog_of_account_id=status.account_id,
                text="",
                content="",
                spoiler_text="",
                sensitive=False,
                visibility="private" if own_private else visibility,
                language=None,
                replies_count=0,
                reblogs_count=0,
                favourites_count=0,
                created_at=now,
                edited_at=None,
            )
            repo.add(existing)
            await repo.bump(status.id, reblogs_count=1)
            await AccountRepository(uow).bump(viewer_id, statuses_count=1)
            forget_after_commit(uow, rt.entities, Kind.account, [viewer_id])
            reblogged = StatusReblogged(
                status.id, status.account_id, viewer_id, existing.id, existing.visibility
            )
            await rt.events.emit(uow, reblogged)
            reblog_id = existing.id
            record(rt, uow, "status.created", reblog_id, status_id=reblog_id)
            try:
                await uow.commit()
                log.info("reblogged", status_id=status_id, account_id=viewer_id)
            except IntegrityError:  # the same reblog raced in (one per account and status)
                await uow.rollback()
                winner = await repo.reblog_by(viewer_id, status_id)
                if winner is None:
                    raise
                reblog_id = winner.id
        else:
            reblog_id = existing.id
        await repo.counts(status_id)
        fresh = await repo.get(reblog_id)
        view = await StatusViews.of(rt, uow, viewer_id).one(fresh) if fresh else None
    if view is None:
        raise NotFound()
    return view


async def unreblog(rt: GraphPlatform, viewer_id: int, raw_id: str) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        status, _ = await proper(rt, uow, raw_id, viewer_id)
        status_id = status.id
        existing = await StatusRepository(uow).reblog_by(viewer_id, status.id)
        if existing is not None:
            await service.remove(rt, uow, existing)
        await uow.commit()
        return await _view(rt, uow, status_id, viewer_id)


async def favourited_by(
    rt: GraphPlatform, viewer_id: int | None, raw_id: str, page: Page
) -> list[tuple[int, dict[str, Any] | None]]:
    async with rt.uow() as uow:
        status, relations = await proper(rt, uow, raw_id, viewer_id)
        marks = await StatusRepository(uow).marks_of_status(Favourite, status.id, page)
        hidden = {m.id for m in marks if relations.blocked_either_way(m.account_id)}
        pairs = await account_page(rt, uow, marks, "account_id")
        return [(i, None if i in hidden else account) for i, account in pairs]


async def reblogged_by(
    rt: GraphPlatform, viewer_id: int | None, raw_id: str, page: Page
) -> list[tuple[int, dict[str, Any] | None]]:
    async with rt.uow() as uow:
        status, relations = await proper(rt, uow, raw_id, viewer_id)
        reblogs = await StatusRepository(uow).reblogs_page(status.id, page)
        hidden = {r.id for r in reblogs if relations.blocked_either_way(r.account_id)}
        pairs = await account_page(rt, uow, reblogs, "account_id")
        return [(i, None if i in hidden else account) for i, account in pairs]
