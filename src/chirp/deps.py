"""FastAPI dependencies every context shares: the runtime, the bearer token and its scopes.

Routes declare what they need with the named aliases below, e.g.
``bearer: Annotated[Bearer, Security(user("read:accounts"))]``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chirp.core.errors import Forbidden, Unauthorized, Unprocessable
from chirp.oauth import cache as token_cache
from chirp.oauth import scopes as scope_rules
from chirp.oauth.tokens import Bearer
from chirp.runtime import Runtime

_bearer_scheme = HTTPBearer(auto_error=False, description="An OAuth 2 access token")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_bearer(
    request: Request,
    rt: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> Bearer | None:
    """The request's token, or None without one; a token that is not valid is a 401.
    Valid tokens are cached for a few seconds (``chirp.oauth.cache``)."""
    presented = credentials.credentials if credentials else request.query_params.get("access_token")
    if not presented:
        return None
    bearer = await token_cache.resolve(rt, presented)
    if bearer is None:
        raise Unauthorized()
    return bearer


OptionalBearer = Annotated[Bearer | None, Depends(get_bearer)]


def _checker(
    scopes: tuple[str, ...], need_user: bool
) -> Callable[[Bearer | None], Awaitable[Bearer]]:
    async def check(bearer: OptionalBearer) -> Bearer:
        if bearer is None:
            raise Unauthorized("The access token is invalid")
        if scopes and not any(scope_rules.grants(bearer.scopes, s) for s in scopes):
            raise Forbidden()
        if need_user and bearer.account_id is None:
            raise Unprocessable("This method requires an authenticated user")
        return bearer

    return check


def user(*scopes: str) -> Callable[[Bearer | None], Awaitable[Bearer]]:
    """A user's token holding one of ``scopes`` (any token, when none are named)."""
    return _checker(scopes, need_user=True)


def token(*scopes: str) -> Callable[[Bearer | None], Awaitable[Bearer]]:
    """Any token, a user's or an app's, holding one of ``scopes``."""
    return _checker(scopes, need_user=False)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


ClientIP = Annotated[str | None, Depends(client_ip)]
