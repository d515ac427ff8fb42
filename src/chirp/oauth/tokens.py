"""Issuing and resolving access tokens; the piece other contexts (registration) call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chirp.core import ids, keys
from chirp.core.auth import Bearer
from chirp.core.ids import IdGenerator
from chirp.db.uow import UnitOfWork
from chirp.oauth import scopes as scope_rules
from chirp.oauth.models import AccessToken
from chirp.oauth.repository import OAuthRepository


def issue(
    uow: UnitOfWork,
    id_gen: IdGenerator,
    *,
    app_id: int,
    account_id: int | None,
    scopes: frozenset[str],
    now: datetime,
    code_id: int | None = None,
) -> tuple[AccessToken, str]:
    """A new token on its owner's shard (the account's, or the app's for an app token)."""
    shard = ids.shard_of(account_id if account_id is not None else app_id)
    secret = keys.mint(shard)
    token = AccessToken(
        id=id_gen.next_id(shard),
        digest=keys.digest(secret),
        app_id=app_id,
        account_id=account_id,
        code_id=code_id,
        scopes=scope_rules.render(scopes),
        created_at=now,
    )
    OAuthRepository(uow).add(token)
    return token, secret


def token_response(token: AccessToken, secret: str) -> dict[str, Any]:
    return {
        "access_token": secret,
        "token_type": "Bearer",
        "scope": token.scopes,
        "created_at": int(token.created_at.timestamp()),
    }


async def resolve(uow: UnitOfWork, presented: str) -> Bearer | None:
    token = await OAuthRepository(uow).token(presented)
    if token is None or token.revoked_at is not None:
        return None
    return Bearer(token.id, token.app_id, token.account_id, frozenset(token.scopes.split()))


async def still_valid(uow: UnitOfWork, bearer: Bearer) -> bool:
    """Whether a token resolved earlier has not been revoked since (long-lived streams ask)."""
    token = await OAuthRepository(uow).token_by_id(bearer.token_id)
    return token is not None and token.revoked_at is None
