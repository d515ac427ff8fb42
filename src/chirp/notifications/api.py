"""Notification routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import JSONResponse

from chirp.core.auth import Bearer
from chirp.core.openapi import doc
from chirp.core.pagination import Page, paged_pairs, paging
from chirp.core.shapes import Empty, Notification
from chirp.deps import get_runtime, user
from chirp.graph.platform import GraphPlatform
from chirp.notifications import service

RuntimeDep = Annotated[GraphPlatform, Depends(get_runtime)]
router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])
Reader = Annotated[Bearer, Security(user("read:notifications"))]
Writer = Annotated[Bearer, Security(user("write:notifications"))]


@router.get("", **doc(list[Notification]))
async def list_notifications(
    request: Request,
    rt: RuntimeDep,
    bearer: Reader,
    types: Annotated[list[str], Query(alias="types[]", max_length=20)] = [],  # noqa: B006
    exclude_types: Annotated[list[str], Query(alias="exclude_types[]", max_length=20)] = [],  # noqa: B006
    account_id: Annotated[str | None, Query(max_length=20)] = None,
    page: Page = paging(40, 80),
) -> JSONResponse:
    """The viewer's notifications, newest first."""
    assert bearer.account_id is not None
    pairs = await service.page(
        rt, bearer.account_id, page, types=types, exclude=exclude_types, account_id=account_id
    )
    return paged_pairs(request, pairs)


@router.post("/clear", **doc(Empty))
async def clear(rt: RuntimeDep, bearer: Writer) -> dict[str, Any]:
    """Dismiss every notification."""
    assert bearer.account_id is not None
    await service.clear(rt, bearer.account_id)
    return {}


@router.get("/{notification_id}", **doc(Notification))
async def get_notification(rt: RuntimeDep, bearer: Reader, notification_id: str) -> dict[str, Any]:
    """One notification."""
    assert bearer.account_id is not None
    return await service.one(rt, bearer.account_id, notification_id)


@router.post("/{notification_id}/dismiss", **doc(Empty))
async def dismiss(rt: RuntimeDep, bearer: Writer, notification_id: str) -> dict[str, Any]:
    """Dismiss one notification."""
    assert bearer.account_id is not None
    await service.dismiss(rt, bearer.account_id, notification_id)
    return {}
