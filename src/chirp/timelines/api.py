"""Timeline routes, including an account's statuses, favourites and bookmarks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import JSONResponse

from chirp.core.auth import Bearer
from chirp.core.openapi import doc
from chirp.core.pagination import Page, paged_pairs, paged_statuses, paging
from chirp.core.shapes import Status
from chirp.deps import OptionalBearer, get_runtime, user
from chirp.timelines import marks, service
from chirp.timelines.platform import TimelinesPlatform

RuntimeDep = Annotated[TimelinesPlatform, Depends(get_runtime)]
router = APIRouter(tags=["timelines"])
Flag = Annotated[bool, Query()]
Tags = Annotated[list[str], Query(max_length=10)]


@router.get("/api/v1/timelines/home", **doc(list[Status]))
async def home(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("read:statuses"))],
    page: Page = paging(),
) -> JSONResponse:
    """The viewer's home timeline."""
    assert bearer.account_id is not None
    return paged_statuses(request, await service.home(rt, bearer.account_id, page))


@router.get("/api/v1/timelines/public", **doc(list[Status]))
async def public(
    request: Request,
    rt: RuntimeDep,
    bearer: OptionalBearer,
    local: Flag = False,
    remote: Flag = False,
    only_media: Flag = False,
    page: Page = paging(),
) -> JSONResponse:
    """Public statuses (all are local here)."""
    viewer = bearer.account_id if bearer else None
    statuses = await service.public(rt, viewer, page, only_media=only_media, remote=remote)
    return paged_statuses(request, statuses)


@router.get("/api/v1/timelines/tag/{hashtag}", **doc(list[Status]))
async def tag(
    request: Request,
    rt: RuntimeDep,
    bearer: OptionalBearer,
    hashtag: str,
    any_of: Annotated[list[str], Query(alias="any[]", max_length=10)] = [],  # noqa: B006
    all_of: Annotated[list[str], Query(alias="all[]", max_length=10)] = [],  # noqa: B006
    none_of: Annotated[list[str], Query(alias="none[]", max_length=10)] = [],  # noqa: B006
    local: Flag = False,
    remote: Flag = False,
    only_media: Flag = False,
    page: Page = paging(),
) -> JSONResponse:
    """Public statuses with a hashtag."""
    viewer = bearer.account_id if bearer else None
    statuses = await service.hashtag(
        rt,
        viewer,
        hashtag,
        page,
        any_of=any_of,
        all_of=all_of,
        none_of=none_of,
        only_media=only_media,
        remote=remote,
    )
    return paged_statuses(request, statuses)


@router.get("/api/v1/accounts/{account_id}/statuses", **doc(list[Status]))
async def account_statuses(
    request: Request,
    rt: RuntimeDep,
    bearer: OptionalBearer,
    account_id: str,
    exclude_replies: Flag = False,
    exclude_reblogs: Flag = False,
    only_media: Flag = False,
    pinned: Flag = False,
    tagged: Annotated[str | None, Query(max_length=100)] = None,
    page: Page = paging(),
) -> JSONResponse:
    """An account's statuses the viewer may see."""
    viewer = bearer.account_id if bearer else None
    statuses = await service.account(
        rt,
        viewer,
        account_id,
        page,
        exclude_replies=exclude_replies,
        exclude_reblogs=exclude_reblogs,
        only_media=only_media,
        pinned=pinned,
        tagged=tagged,
    )
    return paged_statuses(request, statuses)


@router.get("/api/v1/favourites", **doc(list[Status]))
async def favourites(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("read:favourites"))],
    page: Page = paging(20, 40),
) -> JSONResponse:
    """Statuses the viewer favourited, most recently favourited first."""
    assert bearer.account_id is not None
    return paged_pairs(request, await marks.favourites(rt, bearer.account_id, page))


@router.get("/api/v1/bookmarks", **doc(list[Status]))
async def bookmarks(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("read:bookmarks"))],
    page: Page = paging(20, 40),
) -> JSONResponse:
    """Statuses the viewer bookmarked, most recently bookmarked first."""
    assert bearer.account_id is not None
    return paged_pairs(request, await marks.bookmarks(rt, bearer.account_id, page))
