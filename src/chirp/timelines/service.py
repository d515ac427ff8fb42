"""Timeline use cases: home, public, hashtag and an account's statuses."""

from __future__ import annotations

from typing import Any

from chirp.accounts.repository import AccountRepository
from chirp.core.errors import NotFound
from chirp.core.ids import parse_id
from chirp.core.pagination import Page
from chirp.graph.relations import Relations
from chirp.posts.models import Pin, Status
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews
from chirp.tags import service as tags
from chirp.timelines.filtering import fill, visible
from chirp.timelines.platform import TimelinesPlatform

Rendered = list[dict[str, Any]]


async def home(rt: TimelinesPlatform, viewer_id: int, page: Page) -> Rendered:
    async with rt.uow() as uow:
        relations = await Relations.of(rt, uow, viewer_id)
        statuses = await rt.home.page(uow, relations, page)
        return await StatusViews.of(rt, uow, viewer_id).render(statuses)


async def public(
    rt: TimelinesPlatform, viewer_id: int | None, page: Page, *, only_media: bool, remote: bool
) -> Rendered:
    if remote:
        return []  # no remote posts exist: Chirp does not federate
    async with rt.uow() as uow:
        relations = await Relations.of(rt, uow, viewer_id)
        repo = StatusRepository(uow)

        async def fetch(cursor: Page) -> list[Status]:
            return await repo.public(cursor, only_media=only_media)

        statuses = await fill(uow, relations, page, fetch)
        return await StatusViews.of(rt, uow, viewer_id).render(statuses)


async def hashtag(
    rt: TimelinesPlatform,
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
    if remote:
        return []
    wanted_any = [name, *(tags.normalize(t) for t in any_of)]
    wanted_all = [tags.normalize(t) for t in all_of]
    wanted_none = {tags.normalize(t) for t in none_of}
    async with rt.uow() as uow:
        relations = await Relations.of(rt, uow, viewer_id)
        repo = StatusRepository(uow)

        carried: dict[int, set[str]] = {}
        illustrated: set[int] = set()

        async def fetch(cursor: Page) -> list[Status]:
            ids = await repo.tagged(wanted_any, cursor)
            found = await repo.get_many(ids)
            if wanted_all or wanted_none:
                for tag in await repo.tags(ids):
                    carried.setdefault(tag.status_id, set()).add(tag.name)
            if only_media:
                illustrated.update(await repo.with_media(ids))
            return [found[i] for i in ids if i in found]

        def rule(status: Status, _: Status | None) -> bool:
            # A rule, not a filter inside fetch: fill must see every row read to page on.
            tags_of = carried.get(status.id, set())
            if only_media and status.id not in illustrated:
                return False
            return set(wanted_all) <= tags_of and not wanted_none & tags_of

        statuses = await fill(uow, relations, page, fetch, rule)
        return await StatusViews.of(rt, uow, viewer_id).render(statuses)


async def account(
    rt: TimelinesPlatform,
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
        relations = await Relations.of(rt, uow, viewer_id)
        if owner.id in relations.blocked_by:
            return []  # Mastodon shows an empty list to someone the account blocked
        # Mutes and silencing do not hide an account's own page (someone who opens it asked
        # for it); blocks, suspension and visibility still apply.
        relations.muting.clear()
        relations.quiet = frozenset()  # replaced: the held set is moderation's own
        repo = StatusRepository(uow)
        if pinned:
            # At most five pins: all on the first page, and nothing past it, so a client
            # following the Link header stops.
            if page.max_id or page.min_id or page.since_id:
                return []
            pins = await repo.marks_page(Pin, owner.id, Page(limit=page.limit))
            found = await repo.get_many(p.status_id for p in pins)
            statuses = await visible(
                uow, relations, [found[p.status_id] for p in pins if p.status_id in found]
            )
            return await StatusViews.of(rt, uow, viewer_id).render(statuses)
        tag = tags.normalize(tagged) if tagged else None

        async def fetch(cursor: Page) -> list[Status]:
            return await repo.by_author(
                owner.id,
                cursor,
                exclude_replies=exclude_replies,
                exclude_reblogs=exclude_reblogs,
                tag=tag,
                only_media=only_media,
            )

        statuses = await fill(uow, relations, page, fetch)
        return await StatusViews.of(rt, uow, viewer_id).render(statuses)
