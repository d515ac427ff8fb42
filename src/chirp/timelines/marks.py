"""The viewer's favourites and bookmarks as timelines, paged by when they were marked."""

from __future__ import annotations

from typing import Any

from chirp.core.pagination import Page
from chirp.graph.relations import Relations
from chirp.posts.models import Bookmark, Favourite
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews
from chirp.timelines.filtering import visible
from chirp.timelines.platform import TimelinesPlatform


async def favourites(rt: TimelinesPlatform, viewer_id: int, page: Page) -> list[tuple[int, Any]]:
    return await _marked(rt, viewer_id, page, Favourite)


async def bookmarks(rt: TimelinesPlatform, viewer_id: int, page: Page) -> list[tuple[int, Any]]:
    return await _marked(rt, viewer_id, page, Bookmark)


async def _marked(
    rt: TimelinesPlatform, viewer_id: int, page: Page, model: type[Favourite] | type[Bookmark]
) -> list[tuple[int, Any]]:
    async with rt.uow() as uow:
        repo = StatusRepository(uow)
        rows: list[Favourite] | list[Bookmark] = (
            await repo.marks_page(Favourite, viewer_id, page)
            if model is Favourite
            else await repo.marks_page(Bookmark, viewer_id, page)
        )
        found = await repo.get_many(r.status_id for r in rows)
        relations = await Relations.of(rt, uow, viewer_id)
        relations.muting.clear()  # one's own marks stay listed after a mute
        shown = {s.id for s in await visible(uow, relations, list(found.values()))}
        kept = [(r.id, found[r.status_id]) for r in rows if r.status_id in shown]
        views = await StatusViews.of(rt, uow, viewer_id).render([s for _, s in kept])
        by_id = {int(v["id"]): v for v in views}
        # Marks of statuses no longer visible stay in the list as None: they bound paging.
        return [(r.id, by_id.get(r.status_id)) for r in rows]
