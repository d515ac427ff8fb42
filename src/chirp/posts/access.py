"""Finding a status the viewer may see: the check every route with a status id goes through."""

from __future__ import annotations

from chirp.core.errors import NotFound
from chirp.core.ids import parse_id
from chirp.db.uow import UnitOfWork
from chirp.graph.platform import GraphPlatform
from chirp.graph.relations import Relations
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository
from chirp.posts.visibility import Audience, can_see


async def visible_status(
    rt: GraphPlatform, uow: UnitOfWork, raw_id: str, viewer_id: int | None
) -> tuple[Status, Relations]:
    """The status and the viewer's relations; 404 when it does not exist or may not be seen
    (Mastodon answers the same for both, so a private status's existence does not leak)."""
    status, _, relations = await _load(rt, uow, raw_id, viewer_id)
    return status, relations


async def proper(
    rt: GraphPlatform, uow: UnitOfWork, raw_id: str, viewer_id: int | None
) -> tuple[Status, Relations]:
    """Like ``visible_status``, but a reblog stands for the status it reblogs."""
    status, original, relations = await _load(rt, uow, raw_id, viewer_id)
    return original or status, relations


async def _load(
    rt: GraphPlatform, uow: UnitOfWork, raw_id: str, viewer_id: int | None
) -> tuple[Status, Status | None, Relations]:
    """The status, the original it reblogs (if any), and the viewer's relations. A reblog is
    visible only when what it reblogs is too."""
    status_id = parse_id(raw_id)
    repo = StatusRepository(uow)
    status = await repo.get(status_id) if status_id else None
    if status is None:
        raise NotFound()
    original = await repo.get(status.reblog_of_id) if status.reblog_of_id else None
    if status.reblog_of_id is not None and original is None:
        raise NotFound()
    relations = await Relations.of(rt, uow, viewer_id)
    shown = [status] if original is None else [status, original]
    audience = await Audience.load(uow, shown, relations)
    if not all(can_see(s, relations, audience) for s in shown):
        raise NotFound()
    return status, original, relations
