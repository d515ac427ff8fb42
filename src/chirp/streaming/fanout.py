"""Streaming fan-out run after commit, until the timeline engine's workers take it over.

Posting, editing and deleting call these from ``UnitOfWork.after_commit`` (one call each in
``posts``); they read the author's followers through the graph and hand them to ``events``,
which streams only to those online. The workers will call ``events`` themselves, from the
outbox, with the followers they fan out to.
"""

from __future__ import annotations

from typing import Any

from chirp.graph.models import Follow
from chirp.graph.repository import GraphRepository
from chirp.runtime import Runtime
from chirp.streaming import events


async def status_posted(rt: Runtime, status_id: int, author_id: int) -> None:
    await events.status_created(rt, status_id)
    await events.to_home_streams(rt, status_id, await _followers(rt, author_id))


async def status_edited(rt: Runtime, status_id: int, author_id: int) -> None:
    await events.status_updated(rt, status_id, await _followers(rt, author_id))


async def status_removed(
    rt: Runtime, status_id: int, author_id: int, entity: dict[str, Any] | None = None
) -> None:
    """``entity``: the status as rendered before it was deleted, which tells whether it was
    on the public and hashtag streams; None for a reblog (never there)."""
    public = entity is not None and entity["visibility"] == "public" and not entity["reblog"]
    tags = [tag["name"] for tag in entity["tags"]] if entity and public else []
    followers = await _followers(rt, author_id)
    await events.status_deleted(rt, status_id, [author_id, *followers], public=public, tags=tags)


async def _followers(rt: Runtime, account_id: int) -> list[int]:
    async with rt.uow() as uow:
        return [f.account_id for f in await GraphRepository(uow).all_sources(Follow, account_id)]
