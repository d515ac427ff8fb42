"""Reading a timeline page through filters without short pages.

Timelines fetch candidates newest first and drop what the viewer may not see; when the drop
leaves the page short, they fetch the next batch below, a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from chirp.core.pagination import Page
from chirp.db.uow import UnitOfWork
from chirp.graph.relations import Relations
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository
from chirp.posts.visibility import Audience, shown_in_timeline

Fetch = Callable[[Page], Awaitable[list[Status]]]
Rule = Callable[[Status, Status | None], bool]
ROUNDS = 5


async def fill(
    uow: UnitOfWork,
    relations: Relations,
    page: Page,
    fetch: Fetch,
    rule: Rule | None = None,
) -> list[Status]:
    """Up to ``page.limit`` statuses that ``fetch`` offers and the viewer may see."""
    kept: dict[int, Status] = {}
    cursor = replace(page, limit=max(page.limit, 20) * 2)
    for _ in range(ROUNDS):
        batch = await fetch(cursor)
        if not batch:
            break
        for status in await visible(uow, relations, batch, rule):
            kept[status.id] = status
        # A short batch is not the end: fetch may have dropped rows (tag filters); only an
        # empty one is.
        if len(kept) >= page.limit:
            break
        if page.ascending:
            cursor = replace(cursor, min_id=max(s.id for s in batch))
        else:
            cursor = replace(cursor, max_id=min(s.id for s in batch))
    return [kept[i] for i in page.pick(list(kept))]


async def visible(
    uow: UnitOfWork, relations: Relations, batch: Sequence[Status], rule: Rule | None = None
) -> list[Status]:
    """The statuses of ``batch`` the viewer may see in a timeline (and that ``rule`` keeps)."""
    repo = StatusRepository(uow)
    wanted = {s.reblog_of_id for s in batch if s.reblog_of_id is not None}
    # Kept for hydration (chirp.posts.views), which wants these same originals.
    originals = await repo.get_many(wanted, reuse=True) if wanted else {}
    audience = await Audience.load(uow, [*batch, *originals.values()], relations)
    out = []
    for status in batch:
        original = originals.get(status.reblog_of_id) if status.reblog_of_id else None
        if not shown_in_timeline(status, original, relations, audience):
            continue
        if rule is not None and not rule(status, original):
            continue
        out.append(status)
    return out
