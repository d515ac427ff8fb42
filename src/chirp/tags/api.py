"""Hashtag routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import JSONResponse

from chirp.core.auth import Bearer
from chirp.core.openapi import doc
from chirp.core.pagination import Page, paged_pairs, paging
from chirp.core.shapes import Tag
from chirp.deps import OptionalBearer, get_runtime, user
from chirp.graph.platform import GraphPlatform
from chirp.tags import service

RuntimeDep = Annotated[GraphPlatform, Depends(get_runtime)]
router = APIRouter(tags=["tags"])
Follows = Annotated[Bearer, Security(user("write:follows"))]


@router.get("/api/v1/tags/{name}", **doc(Tag))
async def get_tag(rt: RuntimeDep, bearer: OptionalBearer, name: str) -> dict[str, Any]:
    """A hashtag, its last week of use and whether the viewer follows it."""
    return await service.show(rt, name, bearer.account_id if bearer else None)


@router.post("/api/v1/tags/{name}/follow", **doc(Tag))
async def follow_tag(rt: RuntimeDep, bearer: Follows, name: str) -> dict[str, Any]:
    """Follow a hashtag: its public posts join the home timeline."""
    assert bearer.account_id is not None
    return await service.set_following(rt, name, bearer.account_id, True)


@router.post("/api/v1/tags/{name}/unfollow", **doc(Tag))
async def unfollow_tag(rt: RuntimeDep, bearer: Follows, name: str) -> dict[str, Any]:
    """Stop following a hashtag."""
    assert bearer.account_id is not None
    return await service.set_following(rt, name, bearer.account_id, False)


@router.get("/api/v1/followed_tags", **doc(list[Tag]))
async def followed_tags(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("read:follows"))],
    page: Page = paging(100, 200),
) -> JSONResponse:
    """Hashtags the viewer follows."""
    assert bearer.account_id is not None
    return paged_pairs(request, await service.followed(rt, bearer.account_id, page))
