"""Every query on apps, tokens and authorization codes. Rows are found by the shard their
secret or id carries; repositories never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from chirp.core import keys
from chirp.db.uow import UnitOfWork
from chirp.oauth.models import AccessToken, AuthorizationCode, OAuthApp


class OAuthRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def add(self, row: OAuthApp | AccessToken | AuthorizationCode) -> None:
        self.uow.for_id(row.id).add(row)

    async def app(self, app_id: int) -> OAuthApp | None:
        return await self.uow.for_id(app_id).get(OAuthApp, app_id)

    async def app_by_client_id(self, client_id: str) -> OAuthApp | None:
        shard = keys.shard_of(client_id)
        if shard is None:
            return None
        session = self.uow.for_logical(shard)
        return await session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id))

    async def token(self, presented: str) -> AccessToken | None:
        shard = keys.shard_of(presented)
        if shard is None:
            return None
        session = self.uow.for_logical(shard)
        digest = keys.digest(presented)
        return await session.scalar(select(AccessToken).where(AccessToken.digest == digest))

    async def token_by_id(self, token_id: int) -> AccessToken | None:
        return await self.uow.for_id(token_id).get(AccessToken, token_id)

    async def code(self, presented: str) -> AuthorizationCode | None:
        shard = keys.shard_of(presented)
        if shard is None:
            return None
        session = self.uow.for_logical(shard)
        digest = keys.digest(presented)
        return await session.scalar(
            select(AuthorizationCode).where(AuthorizationCode.digest == digest)
        )

    async def mark_code_used(self, code: AuthorizationCode, when: datetime) -> bool:
        """Claim the code once: False if another request used it first."""
        result: Any = await self.uow.for_id(code.id).execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.id == code.id, AuthorizationCode.used_at.is_(None))
            .values(used_at=when)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)

    async def revoke_tokens_of_code(self, code: AuthorizationCode, when: datetime) -> None:
        await self.uow.for_id(code.account_id).execute(
            update(AccessToken)
            .where(AccessToken.code_id == code.id, AccessToken.revoked_at.is_(None))
            .values(revoked_at=when)
        )
