"""Status routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Security
from fastapi.responses import JSONResponse

from chirp.core.auth import Bearer
from chirp.core.openapi import doc
from chirp.core.pagination import Page, paged_pairs, paging
from chirp.core.params import parse, read_params
from chirp.core.shapes import Account, Context, Status, StatusSource
from chirp.core.shapes import StatusEdit as StatusEditEntity
from chirp.deps import OptionalBearer, get_runtime, user
from chirp.graph.platform import GraphPlatform
from chirp.posts import interactions, service
from chirp.posts.schemas import ReblogCreate, StatusCreate, StatusEdit

RuntimeDep = Annotated[GraphPlatform, Depends(get_runtime)]
router = APIRouter(prefix="/api/v1/statuses", tags=["statuses"])
Writer = Annotated[Bearer, Security(user("write:statuses"))]


def _viewer(bearer: Bearer | None) -> int | None:
    return bearer.account_id if bearer else None


@router.post("", **doc(Status, takes=StatusCreate))
async def create_status(
    request: Request,
    rt: RuntimeDep,
    bearer: Writer,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Post a status; a retry with the same Idempotency-Key within an hour returns the first."""
    assert bearer.account_id is not None
    data = parse(StatusCreate, await read_params(request))
    return await service.create(rt, bearer.account_id, data, idempotency_key)


@router.get("/{status_id}", **doc(Status))
async def get_status(rt: RuntimeDep, bearer: OptionalBearer, status_id: str) -> dict[str, Any]:
    """A status the viewer may see."""
    return await service.show(rt, status_id, _viewer(bearer))


@router.delete("/{status_id}", **doc(Status))
async def delete_status(rt: RuntimeDep, bearer: Writer, status_id: str) -> dict[str, Any]:
    """Delete one's own status; the answer carries its source text for redrafting."""
    assert bearer.account_id is not None
    return await service.delete(rt, status_id, bearer.account_id)


@router.put("/{status_id}", **doc(Status, takes=StatusEdit))
async def edit_status(
    request: Request, rt: RuntimeDep, bearer: Writer, status_id: str
) -> dict[str, Any]:
    """Edit one's own status."""
    assert bearer.account_id is not None
    data = parse(StatusEdit, await read_params(request))
    return await service.edit(rt, status_id, bearer.account_id, data)


@router.get("/{status_id}/history", **doc(list[StatusEditEntity]))
async def status_history(
    rt: RuntimeDep, bearer: OptionalBearer, status_id: str
) -> list[dict[str, Any]]:
    """Every version of a status, oldest first."""
    return await service.history(rt, status_id, _viewer(bearer))


@router.get("/{status_id}/source", **doc(StatusSource))
async def status_source(
    rt: RuntimeDep, status_id: str, bearer: Annotated[Bearer, Security(user("read:statuses"))]
) -> dict[str, Any]:
    """The plain text of one's own status, for editing."""
    assert bearer.account_id is not None
    return await service.source(rt, status_id, bearer.account_id)


@router.get("/{status_id}/context", **doc(Context))
async def status_context(rt: RuntimeDep, bearer: OptionalBearer, status_id: str) -> dict[str, Any]:
    """The thread around a status: ancestors and descendants the viewer may see."""
    return await service.context(rt, status_id, _viewer(bearer))


@router.post("/{status_id}/favourite", **doc(Status))
async def favourite(
    rt: RuntimeDep, status_id: str, bearer: Annotated[Bearer, Security(user("write:favourites"))]
) -> dict[str, Any]:
    """Favourite a status."""
    assert bearer.account_id is not None
    return await interactions.favourite(rt, bearer.account_id, status_id)


@router.post("/{status_id}/unfavourite", **doc(Status))
async def unfavourite(
    rt: RuntimeDep, status_id: str, bearer: Annotated[Bearer, Security(user("write:favourites"))]
) -> dict[str, Any]:
    """Take a favourite back."""
    assert bearer.account_id is not None
    return await interactions.unfavourite(rt, bearer.account_id, status_id)


@router.post("/{status_id}/reblog", **doc(Status, takes=ReblogCreate))
async def reblog(
    request: Request, rt: RuntimeDep, bearer: Writer, status_id: str
) -> dict[str, Any]:
    """Reblog (boost) a status."""
    assert bearer.account_id is not None
    data = parse(ReblogCreate, await read_params(request))
    return await interactions.reblog(rt, bearer.account_id, status_id, data.visibility)


@router.post("/{status_id}/unreblog", **doc(Status))
async def unreblog(rt: RuntimeDep, bearer: Writer, status_id: str) -> dict[str, Any]:
    """Take a reblog back."""
    assert bearer.account_id is not None
    return await interactions.unreblog(rt, bearer.account_id, status_id)


@router.post("/{status_id}/bookmark", **doc(Status))
async def bookmark(
    rt: RuntimeDep, status_id: str, bearer: Annotated[Bearer, Security(user("write:bookmarks"))]
) -> dict[str, Any]:
    """Bookmark a status."""
    assert bearer.account_id is not None
    return await interactions.bookmark(rt, bearer.account_id, status_id, True)


@router.post("/{status_id}/unbookmark", **doc(Status))
async def unbookmark(
    rt: RuntimeDep, status_id: str, bearer: Annotated[Bearer, Security(user("write:bookmarks"))]
) -> dict[str, Any]:
    """Remove a bookmark."""
    assert bearer.account_id is not None
    return await interactions.bookmark(rt, bearer.account_id, status_id, False)


@router.post("/{status_id}/pin", **doc(Status))
async def pin(
    rt: RuntimeDep, status_id: str, bearer: Annotated[Bearer, Security(user("write:accounts"))]
) -> dict[str, Any]:
    """Pin one's own status to one's profile."""
    assert bearer.account_id is not None
    return await interactions.pin(rt, bearer.account_id, status_id, True)


@router.post("/{status_id}/unpin", **doc(Status))
async def unpin(
    rt: RuntimeDep, status_id: str, bearer: Annotated[Bearer, Security(user("write:accounts"))]
) -> dict[str, Any]:
    """Unpin a status."""
    assert bearer.account_id is not None
    return await interactions.pin(rt, bearer.account_id, status_id, False)


@router.get("/{status_id}/favourited_by", **doc(list[Account]))
async def favourited_by(
    request: Request,
    rt: RuntimeDep,
    bearer: OptionalBearer,
    status_id: str,
    page: Page = paging(40, 80),
) -> JSONResponse:
    """Accounts that favourited a status."""
    pairs = await interactions.favourited_by(rt, _viewer(bearer), status_id, page)
    return paged_pairs(request, pairs)


@router.get("/{status_id}/reblogged_by", **doc(list[Account]))
async def reblogged_by(
    request: Request,
    rt: RuntimeDep,
    bearer: OptionalBearer,
    status_id: str,
    page: Page = paging(40, 80),
) -> JSONResponse:
    """Accounts that reblogged a status."""
    pairs = await interactions.reblogged_by(rt, _viewer(bearer), status_id, page)
    return paged_pairs(request, pairs)
