"""Social graph routes: follow, block, mute, relationships and the lists they make."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import JSONResponse

from chirp.core.auth import Bearer
from chirp.core.openapi import doc
from chirp.core.pagination import Page, paged_pairs, paging
from chirp.core.params import parse, read_params
from chirp.core.shapes import Account, Relationship
from chirp.deps import OptionalBearer, get_runtime, user
from chirp.graph import service
from chirp.graph.platform import GraphPlatform
from chirp.graph.schemas import FollowOptions, MuteOptions

RuntimeDep = Annotated[GraphPlatform, Depends(get_runtime)]
router = APIRouter(tags=["graph"])
Follows = Annotated[Bearer, Security(user("write:follows"))]


@router.get("/api/v1/accounts/relationships", **doc(list[Relationship]))
async def relationships(
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("read:follows"))],
    ids: Annotated[list[str], Query(alias="id[]", max_length=100)] = [],  # noqa: B006
    id_plain: Annotated[list[str], Query(alias="id", max_length=100)] = [],  # noqa: B006
) -> list[dict[str, Any]]:
    """The viewer's relationship with each of the given accounts."""
    assert bearer.account_id is not None
    return await service.relationships(rt, bearer.account_id, [*ids, *id_plain])


@router.post("/api/v1/accounts/{account_id}/follow", **doc(Relationship, takes=FollowOptions))
async def follow(
    request: Request, rt: RuntimeDep, bearer: Follows, account_id: str
) -> dict[str, Any]:
    """Follow an account (a locked account gets a follow request)."""
    assert bearer.account_id is not None
    options = parse(FollowOptions, await read_params(request))
    return await service.follow(
        rt, bearer.account_id, account_id, reblogs=options.reblogs, notify=options.notify
    )


@router.post("/api/v1/accounts/{account_id}/unfollow", **doc(Relationship))
async def unfollow(rt: RuntimeDep, bearer: Follows, account_id: str) -> dict[str, Any]:
    """Stop following (or withdraw a follow request)."""
    assert bearer.account_id is not None
    return await service.unfollow(rt, bearer.account_id, account_id)


@router.post("/api/v1/accounts/{account_id}/block", **doc(Relationship))
async def block(
    rt: RuntimeDep, account_id: str, bearer: Annotated[Bearer, Security(user("write:blocks"))]
) -> dict[str, Any]:
    """Block an account; follows both ways end."""
    assert bearer.account_id is not None
    return await service.block(rt, bearer.account_id, account_id)


@router.post("/api/v1/accounts/{account_id}/unblock", **doc(Relationship))
async def unblock(
    rt: RuntimeDep, account_id: str, bearer: Annotated[Bearer, Security(user("write:blocks"))]
) -> dict[str, Any]:
    """Unblock an account."""
    assert bearer.account_id is not None
    return await service.unblock(rt, bearer.account_id, account_id)


@router.post("/api/v1/accounts/{account_id}/mute", **doc(Relationship, takes=MuteOptions))
async def mute(
    request: Request,
    rt: RuntimeDep,
    account_id: str,
    bearer: Annotated[Bearer, Security(user("write:mutes"))],
) -> dict[str, Any]:
    """Mute an account, optionally for ``duration`` seconds and with its notifications."""
    assert bearer.account_id is not None
    options = parse(MuteOptions, await read_params(request))
    return await service.mute(
        rt,
        bearer.account_id,
        account_id,
        notifications=options.notifications,
        duration=options.duration,
    )


@router.post("/api/v1/accounts/{account_id}/unmute", **doc(Relationship))
async def unmute(
    rt: RuntimeDep, account_id: str, bearer: Annotated[Bearer, Security(user("write:mutes"))]
) -> dict[str, Any]:
    """Unmute an account."""
    assert bearer.account_id is not None
    return await service.unmute(rt, bearer.account_id, account_id)


@router.get("/api/v1/accounts/{account_id}/followers", **doc(list[Account]))
async def followers(
    request: Request,
    rt: RuntimeDep,
    bearer: OptionalBearer,
    account_id: str,
    page: Page = paging(40, 80),
) -> JSONResponse:
    """Accounts following this one."""
    viewer = bearer.account_id if bearer else None
    return paged_pairs(request, await service.followers(rt, viewer, account_id, page))


@router.get("/api/v1/accounts/{account_id}/following", **doc(list[Account]))
async def following(
    request: Request,
    rt: RuntimeDep,
    bearer: OptionalBearer,
    account_id: str,
    page: Page = paging(40, 80),
) -> JSONResponse:
    """Accounts this one follows."""
    viewer = bearer.account_id if bearer else None
    return paged_pairs(request, await service.following(rt, viewer, account_id, page))


@router.get("/api/v1/follow_requests", **doc(list[Account]))
async def follow_requests(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("read:follows"))],
    page: Page = paging(40, 80),
) -> JSONResponse:
    """Accounts asking to follow the viewer."""
    assert bearer.account_id is not None
    pairs = await service.own_list(rt, bearer.account_id, "follow_requests", page)
    return paged_pairs(request, pairs)


@router.post("/api/v1/follow_requests/{account_id}/authorize", **doc(Relationship))
async def authorize(rt: RuntimeDep, bearer: Follows, account_id: str) -> dict[str, Any]:
    """Accept a follow request."""
    assert bearer.account_id is not None
    return await service.authorize_request(rt, bearer.account_id, account_id)


@router.post("/api/v1/follow_requests/{account_id}/reject", **doc(Relationship))
async def reject(rt: RuntimeDep, bearer: Follows, account_id: str) -> dict[str, Any]:
    """Turn a follow request down."""
    assert bearer.account_id is not None
    return await service.reject_request(rt, bearer.account_id, account_id)


@router.get("/api/v1/blocks", **doc(list[Account]))
async def blocks(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("read:blocks"))],
    page: Page = paging(40, 80),
) -> JSONResponse:
    """Accounts the viewer blocked."""
    assert bearer.account_id is not None
    return paged_pairs(request, await service.own_list(rt, bearer.account_id, "blocks", page))


@router.get("/api/v1/mutes", **doc(list[Account]))
async def mutes(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("read:mutes"))],
    page: Page = paging(40, 80),
) -> JSONResponse:
    """Accounts the viewer muted."""
    assert bearer.account_id is not None
    return paged_pairs(request, await service.own_list(rt, bearer.account_id, "mutes", page))
