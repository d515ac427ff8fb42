"""FastAPI dependencies every context's routes share: the runtime, the bearer token and its
scopes. Only ``api.py`` modules import this (an import-linter contract says so).

Routes declare what they need with the named aliases below, e.g.
``bearer: Annotated[Bearer, Security(user("read:accounts"))]``. The runtime itself is built
by the composition root (``chirp.runtime``); each context's routes name the protocol of the
pieces they use, e.g. ``Annotated[PostsPlatform, Depends(get_runtime)]``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chirp.core import openapi
from chirp.core.auth import Bearer, grants
from chirp.core.errors import Forbidden, Unauthorized, Unprocessable

_bearer_scheme = HTTPBearer(auto_error=False, description="An OAuth 2 access token")


class Authenticator(Protocol):
    async def bearer(self, presented: str) -> Bearer | None:
        """The token's bearer (cached for a few seconds), or None when it is not valid."""
        ...


def get_runtime(request: Request) -> Any:
    """The process's runtime (``chirp.runtime.Runtime``), set by ``chirp.app``."""
    return request.app.state.runtime


async def get_bearer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
) -> Bearer | None:
    """The request's token, or None without one; a token that is not valid is a 401."""
    presented = credentials.credentials if credentials else request.query_params.get("access_token")
    if not presented:
        return None
    authenticator: Authenticator = get_runtime(request)
    bearer = await authenticator.bearer(presented)
    if bearer is None:
        raise Unauthorized()
    return bearer


openapi.READS_TOKEN.add(get_bearer)
OptionalBearer = Annotated[Bearer | None, Depends(get_bearer)]


def _checker(
    scopes: tuple[str, ...], need_user: bool
) -> Callable[[Bearer | None], Awaitable[Bearer]]:
    async def check(bearer: OptionalBearer) -> Bearer:
        if bearer is None:
            raise Unauthorized("The access token is invalid")
        if scopes and not any(grants(bearer.scopes, s) for s in scopes):
            raise Forbidden()
        if need_user and bearer.account_id is None:
            raise Unprocessable("This method requires an authenticated user")
        return bearer

    openapi.NEEDS_TOKEN.add(check)
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
