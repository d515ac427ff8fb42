"""Tag use cases: the Tag entity with its week of history, and following tags."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from chirp.core.errors import NotFound
from chirp.core.ids import shard_of, time_of
from chirp.core.pagination import Page
from chirp.db.uow import UnitOfWork
from chirp.graph.platform import GraphPlatform
from chirp.graph.service import follows_changed
from chirp.posts.repository import StatusRepository
from chirp.tags.models import TagFollow
from chirp.tags.repository import TagRepository

_NAME = re.compile(r"^\w*[^\W\d]\w*$")
HISTORY_DAYS = 7


def tag_id(name: str) -> int:
    """A stable numeric id for a tag name (tags have no table of their own)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1


def normalize(raw: str) -> str:
    name = raw.strip().lstrip("#")
    if not name or len(name) > 100 or not _NAME.match(name):
        raise NotFound()
    return name.lower()


async def _entity(
    rt: GraphPlatform,
    uow: UnitOfWork,
    name: str,
    viewer_id: int | None,
    following: bool | None = None,
) -> dict[str, Any]:
    return (await entities(rt, uow, [name], viewer_id, following))[0]


async def entities(
    rt: GraphPlatform,
    uow: UnitOfWork,
    names: Sequence[str],
    viewer_id: int | None,
    following: bool | None = None,
) -> list[dict[str, Any]]:
    """Tag entities for ``names`` in order, with a week of history, in a fixed number of
    queries (``following``: already known for all of them)."""
    today = rt.clock.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=HISTORY_DAYS - 1)
    uses: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for use in await StatusRepository(uow).tag_uses(names, since) if names else []:
        uses[use.name].append((use.status_id, use.account_id))
    followed: set[str] = set()
    if viewer_id is not None and following is None:
        followed = set(await TagRepository(uow).followed_names(viewer_id))
    found = []
    for name in names:
        entity: dict[str, Any] = {
            "id": str(tag_id(name)),
            "name": name,
            "url": f"{rt.settings.public_url}/tags/{name}",
            "history": _history(today, uses[name]),
        }
        if viewer_id is not None:
            entity["following"] = name in followed if following is None else following
        found.append(entity)
    return found


def _history(today: datetime, uses: list[tuple[int, int]]) -> list[dict[str, str]]:
    history = []
    for offset in range(HISTORY_DAYS):
        day = today - timedelta(days=offset)
        start, end = day, day + timedelta(days=1)
        on_day = [(s, a) for s, a in uses if start <= time_of(s) < end]
        history.append(
            {
                "day": str(int(day.timestamp())),
                "uses": str(len(on_day)),
                "accounts": str(len({a for _, a in on_day})),
            }
        )
    return history


async def show(rt: GraphPlatform, raw: str, viewer_id: int | None) -> dict[str, Any]:
    name = normalize(raw)
    async with rt.uow() as uow:
        return await _entity(rt, uow, name, viewer_id)


async def set_following(rt: GraphPlatform, raw: str, viewer_id: int, on: bool) -> dict[str, Any]:
    name = normalize(raw)
    async with rt.uow(write=True) as uow:
        repo = TagRepository(uow)
        if on and await repo.follows(viewer_id, name) is None:
            repo.add(
                TagFollow(
                    id=rt.ids.next_id(shard_of(viewer_id)),
                    account_id=viewer_id,
                    name=name,
                    created_at=rt.clock.now(),
                )
            )
            follows_changed(rt, uow, viewer_id)
        elif not on and await repo.follows(viewer_id, name) is not None:
            await repo.remove(viewer_id, name)
            follows_changed(rt, uow, viewer_id)
        await uow.commit_unless_duplicate()  # a concurrent follow of the tag: already following
        return await _entity(rt, uow, name, viewer_id, following=on)


async def followed(
    rt: GraphPlatform, viewer_id: int, page: Page
) -> list[tuple[int, dict[str, Any]]]:
    async with rt.uow() as uow:
        rows = await TagRepository(uow).page(viewer_id, page)
        return [
            (row.id, await _entity(rt, uow, row.name, viewer_id, following=True)) for row in rows
        ]
