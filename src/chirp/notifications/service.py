"""Reading notifications: a page with its accounts and statuses in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from chirp.accounts.views import public_entities
from chirp.core.errors import NotFound
from chirp.core.ids import parse_id
from chirp.core.pagination import Page
from chirp.core.text import iso
from chirp.db.uow import UnitOfWork
from chirp.graph.platform import GraphPlatform
from chirp.graph.relations import Relations
from chirp.notifications.models import TYPES, Notification
from chirp.notifications.repository import NotificationRepository
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews
from chirp.posts.visibility import Audience, can_see

WITH_STATUS = frozenset({"mention", "status", "reblog", "favourite", "update"})


async def page(
    rt: GraphPlatform,
    viewer_id: int,
    page: Page,
    *,
    types: Sequence[str],
    exclude: Sequence[str],
    account_id: str | None,
) -> list[tuple[int, dict[str, Any] | None]]:
    """(notification id, entity) pairs; an entity of None was read but is not to be shown."""
    wanted = [t for t in types if t in TYPES] if types else None
    if types and not wanted:
        return []
    from_id = parse_id(account_id) if account_id else None
    if account_id and from_id is None:
        return []
    async with rt.uow() as uow:
        rows = await NotificationRepository(uow).page(
            viewer_id, page, types=wanted, exclude=list(exclude), from_account_id=from_id
        )
        shown = {int(n["id"]): n for n in await _render(rt, uow, viewer_id, rows)}
        return [(row.id, shown.get(row.id)) for row in rows]


async def one(rt: GraphPlatform, viewer_id: int, raw_id: str) -> dict[str, Any]:
    notification_id = parse_id(raw_id)
    async with rt.uow() as uow:
        row = await NotificationRepository(uow).get(viewer_id, notification_id or 0)
        rendered = await _render(rt, uow, viewer_id, [row] if row else [])
    if not rendered:
        raise NotFound()
    return rendered[0]


async def stored(rt: GraphPlatform, notification_ids: Iterable[int]) -> list[Notification]:
    """The notifications among these ids that exist (a duplicate was never stored)."""
    async with rt.uow() as uow:
        return await NotificationRepository(uow).by_ids(notification_ids)


async def render_each(
    rt: GraphPlatform, rows: Sequence[Notification]
) -> list[tuple[int, dict[str, Any]]]:
    """(recipient id, entity) for each of ``rows`` its recipient may still see, each rendered
    for its recipient (for streaming, where they arrive one at a time)."""
    by_recipient: dict[int, list[Notification]] = defaultdict(list)
    for row in rows:
        by_recipient[row.account_id].append(row)
    out = []
    async with rt.uow() as uow:
        for recipient, own in by_recipient.items():
            out += [(recipient, entity) for entity in await _render(rt, uow, recipient, own)]
    return out


async def dismiss(rt: GraphPlatform, viewer_id: int, raw_id: str) -> None:
    notification_id = parse_id(raw_id)
    async with rt.uow(write=True) as uow:
        repo = NotificationRepository(uow)
        if notification_id is None or await repo.get(viewer_id, notification_id) is None:
            raise NotFound()
        await repo.dismiss(viewer_id, notification_id)
        await uow.commit()


async def clear(rt: GraphPlatform, viewer_id: int) -> None:
    async with rt.uow(write=True) as uow:
        await NotificationRepository(uow).clear(viewer_id)
        await uow.commit()


async def _render(
    rt: GraphPlatform, uow: UnitOfWork, viewer_id: int, rows: Sequence[Notification]
) -> list[dict[str, Any]]:
    """Entities for ``rows``, leaving out what the viewer may no longer see (a status made
    invisible, an account blocked or muted since)."""
    if not rows:
        return []
    relations = await Relations.of(rt, uow, viewer_id)
    base = rt.settings.public_url
    accounts = await public_entities(uow, rt.entities, base, (r.from_account_id for r in rows))
    status_ids = [r.status_id for r in rows if r.type in WITH_STATUS and r.status_id]
    statuses = await StatusRepository(uow).get_many(status_ids)
    audience = await Audience.load(uow, statuses.values(), relations)
    visible = [s for s in statuses.values() if can_see(s, relations, audience)]
    views = {int(v["id"]): v for v in await StatusViews.of(rt, uow, viewer_id).render(visible)}
    out = []
    for row in rows:
        account = accounts.get(row.from_account_id)
        if account is None or relations.unheard(row.from_account_id):
            continue
        status = views.get(row.status_id) if row.type in WITH_STATUS else None
        if row.type in WITH_STATUS and status is None:
            continue
        entity = {
            "id": str(row.id),
            "type": row.type,
            "created_at": iso(row.created_at),
            "group_key": f"ungrouped-{row.id}",
            "account": account,
        }
        if status is not None:  # absent, not null, for follows (as Mastodon sends them)
            entity["status"] = status
        out.append(entity)
    return out
