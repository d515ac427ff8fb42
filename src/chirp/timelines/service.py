"""Timeline use cases: home, public, hashtag and an account's statuses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, or_, select

from chirp.accounts.repository import AccountRepository
from chirp.core.errors import NotFound
from chirp.core.ids import parse_id
from chirp.core.pagination import Page
from chirp.graph.models import Block
from chirp.graph.relations import Relations
from chirp.graph.repository import GraphRepository
from chirp.posts.models import Pin, Status, StatusTag
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews
from chirp.runtime import Runtime
from chirp.tags import service as tags
from chirp.timelines.filtering import fill, visible
from chirp.timelines.home import STRATEGIES

Rendered = list[dict[str, Any]]


async def home(rt: Runtime, viewer_id: int, page: Page) -> Rendered:
    strategy = STRATEGIES[rt.settings.timeline_strategy]
    async with rt.uow() as uow:
        relations = await Relations.load(uow, viewer_id, rt.clock.now())
        statuses = await strategy.page(uow, relations, page)
        return await StatusViews(uow, rt.settings.public_url, viewer_id).render(statuses)


async def public(
    rt: Runtime, viewer_id: int | None, page: Page, *, only_media: bool, remote: bool
) -> Rendered:
    if only_media or remote:
        return []  # no media and no remote posts exist yet
    async with rt.uow() as uow:
        relations = await Relations.load(uow, viewer_id, rt.clock.now())
        repo = StatusRepository(uow)
        statuses = await fill(uow, relations, page, repo.public)
        return await StatusViews(uow, rt.settings.public_url, viewer_id).render(statuses)


async def hashtag(
    rt: Runtime,
    viewer_id: int | None,
    raw: str,
    page: Page,
    *,
    any_of: list[str],
    all_of: list[str],
    none_of: list[str],
    only_media: bool,
    remote: bool,
) -> Rendered:
    name = tags.normalize(raw)
    if only_media or remote:
        return []
    wanted_any = [name, *(tags.normalize(t) for t in any_of)]
    wanted_all = [tags.normalize(t) for t in all_of]
    wanted_none = {tags.normalize(t) for t in none_of}
    async with rt.uow() as uow:
        relations = await Relations.load(uow, viewer_id, rt.clock.now())
        repo = StatusRepository(uow)

        async def fetch(cursor: Page) -> list[Status]:
            ids = await repo.tagged(wanted_any, cursor)
            found = await repo.get_many(ids)
            statuses = [found[i] for i in ids if i in found]
            if wanted_all or wanted_none:
                carried: dict[int, set[str]] = {}
                for tag in await repo.tags(ids):
                    carried.setdefault(tag.status_id, set()).add(tag.name)
                statuses = [
                    s
                    for s in statuses
                    if set(wanted_all) <= carried.get(s.id, set())
                    and not wanted_none & carried.get(s.id, set())
                ]
            return statuses

        statuses = await fill(uow, relations, page, fetch)
        return await StatusViews(uow, rt.settings.public_url, viewer_id).render(statuses)


async def account(
    rt: Runtime,
    viewer_id: int | None,
    raw_id: str,
    page: Page,
    *,
    exclude_replies: bool,
    exclude_reblogs: bool,
    only_media: bool,
    pinned: bool,
    tagged: str | None,
) -> Rendered:
    account_id = parse_id(raw_id)
    async with rt.uow() as uow:
        owner = await AccountRepository(uow).get(account_id) if account_id else None
        if owner is None:
            raise NotFound()
        if viewer_id is not None and await GraphRepository(uow).edge(Block, owner.id, viewer_id):
            return []  # Mastodon shows an empty list to someone the account blocked
        if only_media:
            return []
        relations = await Relations.load(uow, viewer_id, rt.clock.now())
        repo = StatusRepository(uow)
        if pinned:
            pins = await repo.marks_page(Pin, owner.id, Page(limit=page.limit))
            found = await repo.get_many(p.status_id for p in pins)
            statuses = await visible(
                uow, relations, [found[p.status_id] for p in pins if p.status_id in found]
            )
            return await StatusViews(uow, rt.settings.public_url, viewer_id).render(statuses)
        tag = tags.normalize(tagged) if tagged else None

        def narrow(query: Select[Any]) -> Select[Any]:
            if exclude_replies:
                query = query.where(
                    or_(Status.in_reply_to_id.is_(None), Status.in_reply_to_account_id == owner.id)
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
            return query

        async def fetch(cursor: Page) -> list[Status]:
            return await repo.by_accounts([owner.id], cursor, narrow)

        # Mutes do not hide an account's own page; blocks and visibility still apply.
        relations.muting.clear()
        statuses = await fill(uow, relations, page, fetch)
        return await StatusViews(uow, rt.settings.public_url, viewer_id).render(statuses)
