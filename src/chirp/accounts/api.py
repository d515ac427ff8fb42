"""Account routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.responses import Response

from chirp.accounts import registration, service
from chirp.accounts.defaults import MISSING_PNG
from chirp.accounts.platform import AccountsPlatform
from chirp.accounts.schemas import ProfileUpdate, Registration
from chirp.core.auth import Bearer
from chirp.core.openapi import doc
from chirp.core.params import parse, read_params
from chirp.core.shapes import Account, CredentialAccount, Token
from chirp.deps import ClientIP, get_runtime, token, user
from chirp.media import profile as profile_images

RuntimeDep = Annotated[AccountsPlatform, Depends(get_runtime)]
router = APIRouter(tags=["accounts"])


@router.post("/api/v1/accounts", **doc(Token, takes=Registration))
async def register(
    request: Request,
    rt: RuntimeDep,
    ip: ClientIP,
    bearer: Annotated[Bearer, Security(token("write:accounts"))],
) -> dict[str, Any]:
    """Register an account with an app token; answers the new user's access token."""
    data = parse(Registration, await read_params(request))
    registered = await registration.register(rt, data, ip=ip, bearer=bearer)
    assert registered.token is not None
    return registered.token


@router.get("/api/v1/accounts/verify_credentials", **doc(CredentialAccount))
async def verify_credentials(
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("read:accounts", "profile"))],
) -> dict[str, Any]:
    """The token owner's account, with ``source`` and ``role``."""
    assert bearer.account_id is not None
    return await service.own(rt, bearer.account_id)


@router.patch(
    "/api/v1/accounts/update_credentials",
    **doc(CredentialAccount, takes=ProfileUpdate, files=("avatar", "header")),
)
async def update_credentials(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("write:accounts"))],
) -> dict[str, Any]:
    """Change the token owner's profile, avatar and header included."""
    assert bearer.account_id is not None
    params, files = await profile_images.read_form(request, rt)
    try:
        change = parse(ProfileUpdate, params)
    except BaseException:
        files.discard()
        raise
    images = await profile_images.store_images(rt, files)
    return await service.update_profile(rt, bearer.account_id, change, images)


@router.get("/api/v1/accounts/lookup", **doc(Account))
async def lookup(rt: RuntimeDep, acct: Annotated[str, Query(max_length=320)]) -> dict[str, Any]:
    """Find a local account by ``username`` or ``username@domain``."""
    return await service.lookup(rt, acct)


@router.get("/api/v1/accounts/{account_id}", **doc(Account))
async def get_account(rt: RuntimeDep, account_id: str) -> dict[str, Any]:
    """An account's public profile."""
    return await service.get_public(rt, account_id)


@router.get("/avatars/original/missing.png", include_in_schema=False)
@router.get("/headers/original/missing.png", include_in_schema=False)
async def missing_image() -> Response:
    return Response(
        MISSING_PNG,
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
