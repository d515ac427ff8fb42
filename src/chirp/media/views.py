"""Attachments of a page of statuses, for status hydration (``chirp.posts.views``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from chirp.db.uow import UnitOfWork
from chirp.media.repository import MediaRepository
from chirp.media.schemas import attachment_public


async def attachments(
    uow: UnitOfWork, status_ids: Iterable[int], base_url: str
) -> dict[int, list[dict[str, Any]]]:
    """Each status's MediaAttachment entities in their order: one query per database."""
    by_status: dict[int, list[Any]] = defaultdict(list)
    for media in await MediaRepository(uow).of_statuses(status_ids):
        if media.status_id is not None:
            by_status[media.status_id].append(media)
    return {
        status_id: [attachment_public(m, base_url) for m in sorted(rows, key=lambda m: m.position)]
        for status_id, rows in by_status.items()
    }
