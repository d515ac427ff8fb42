"""Finding a status the viewer may see: the check every route with a status id goes through."""

from __future__ import annotations

from chirp.core.errors import NotFound
from chirp.core.ids import parse_id
from chirp.db.uow import UnitOfWork
from chirp.graph.relations import Relations
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository
from chirp.posts.visibility import Audience, can_see
from chirp.runtime import Runtime


async def visible_status(
    rt: Runtime, uow: UnitOfWork, raw_id: str, viewer_id: int | None
) -> tuple[Status, Relations]:
    """The status and the viewer's relations; 404 when it does not exist or may not be seen
    (Mastodon answers the same for both, so a private status's existence does not leak)."""
    status_id = parse_id(raw_id)
    status = await StatusRepository(uow).get(status_id) if status_id else None
    if status is None:
        raise NotFound()
    relations = await Relations.load(uow, viewer_id, rt.clock.now())
    audience = await Audience.load(uow, [status])
    if not can_see(status, relations, audience):
        raise NotFound()
    return status, relations


async def proper(
    rt: Runtime, uow: UnitOfWork, raw_id: str, viewer_id: int | None
) -> tuple[Status, Relations]:
    """Like ``visible_status``, but a reblog stands for the status it reblogs."""
    status, relations = await visible_status(rt, uow, raw_id, viewer_id)
    if status.reblog_of_id is None:
        return status, relations
    return await visible_status(rt, uow, str(status.reblog_of_id), viewer_id)
