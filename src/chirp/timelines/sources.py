"""Where home candidates come from: a source answers the candidate statuses of one cursor
(newest first, at most ``cursor.limit``), and sources merge without skipping anything."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from chirp.core.pagination import Page
from chirp.db.uow import UnitOfWork
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository

Source = Callable[[Page], Awaitable[list[Status]]]


def candidate_source(uow: UnitOfWork, authors: Sequence[int], tags: Sequence[str]) -> Source:
    """The database's candidates: statuses by ``authors``, and public ones carrying ``tags``."""
    repo = StatusRepository(uow)

    async def authored(cursor: Page) -> list[Status]:
        return await repo.by_accounts(authors, cursor)

    if not tags:
        return authored

    async def tagged(cursor: Page) -> list[Status]:
        ids = await repo.tagged(tags, cursor)
        found = await repo.get_many(ids)
        return [found[i] for i in ids if i in found]

    return merged(authored, tagged)


async def candidate_ids(
    uow: UnitOfWork, authors: Sequence[int], tags: Sequence[str], limit: int
) -> list[int]:
    """The newest ``limit`` candidate ids, without loading rows: what a feed is rebuilt from."""
    repo = StatusRepository(uow)
    page = Page(limit=limit)
    ids = set(await repo.ids_by_accounts(authors, page))
    if tags:
        ids |= set(await repo.tagged(tags, page))
    return sorted(ids, reverse=True)[:limit]


def merged(first: Source, second: Source) -> Source:
    """Two sources as one: keep only the id range both covered, so the next batch (which starts
    past the last row kept) skips nothing from the source that was cut short."""

    async def both(cursor: Page) -> list[Status]:
        a, b = await first(cursor), await second(cursor)
        rows = {s.id: s for s in (*a, *b)}
        bounds = [ids for ids in ([s.id for s in a], [s.id for s in b]) if len(ids) >= cursor.limit]
        keep = list(rows.values())
        if bounds and cursor.ascending:
            ceiling = min(max(ids) for ids in bounds)
            keep = [s for s in keep if s.id <= ceiling]
        elif bounds:
            floor = max(min(ids) for ids in bounds)
            keep = [s for s in keep if s.id >= floor]
        return sorted(keep, key=lambda s: s.id, reverse=True)

    return both
