"""Every query on accounts, credentials and email claims. Repositories never commit."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chirp.accounts.models import Account, Credential, EmailClaim
from chirp.db.shards import PhysicalShard, shard_for_key
from chirp.db.uow import UnitOfWork


class AccountRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def add(self, account: Account, credential: Credential | None = None) -> None:
        session = self.uow.for_id(account.id)
        session.add(account)
        if credential is not None:
            session.add(credential)

    async def get(self, account_id: int) -> Account | None:
        return await self.uow.for_id(account_id).get(Account, account_id)

    async def get_many(self, account_ids: Iterable[int]) -> dict[int, Account]:
        """Accounts by id, one query per database that holds any, run concurrently."""
        found = await self.uow.scatter(
            account_ids, lambda wanted: select(Account).where(Account.id.in_(wanted))
        )
        return {a.id: a for a in found}

    async def by_username(self, username: str) -> Account | None:
        key = username.lower()
        session = self.uow.for_logical(shard_for_key(key))
        return await session.scalar(select(Account).where(Account.username_key == key))

    async def by_usernames(self, usernames: Iterable[str]) -> dict[str, Account]:
        """Accounts by lower-cased username, each asked of its own shard, concurrently."""
        found = await self.uow.scatter(
            (u.lower() for u in usernames),
            lambda wanted: select(Account).where(Account.username_key.in_(wanted)),
            route=lambda key: self.uow.shards.for_logical(shard_for_key(key)),
        )
        return {a.username_key: a for a in found}

    async def bump(self, account_id: int, **deltas: int) -> None:
        """Add to counters in one atomic UPDATE, exact however many requests race."""
        values = {name: getattr(Account, name) + delta for name, delta in deltas.items()}
        await self.uow.for_id(account_id).execute(
            update(Account).where(Account.id == account_id).values(**values)
        )

    async def pulled_among(self, account_ids: Iterable[int]) -> list[int]:
        """Which of these accounts the hybrid timeline strategy pulls instead of pushing."""
        return await self.uow.scatter(
            account_ids,
            lambda wanted: select(Account.id).where(
                Account.id.in_(wanted), Account.fanout_pulled.is_(True)
            ),
        )

    async def pulled(self) -> list[int]:
        """Every account the hybrid timeline strategy pulls instead of pushing (few)."""
        return await self.uow.everywhere(select(Account.id).where(Account.fanout_pulled.is_(True)))

    async def restricted(self) -> list[Account]:
        """Every account a moderator suspended, silenced or disabled (few), from every
        database at once."""
        return await self.uow.everywhere(
            select(Account).where(
                or_(
                    Account.suspended_at.is_not(None),
                    Account.silenced_at.is_not(None),
                    Account.disabled_at.is_not(None),
                )
            )
        )

    async def image_keys_in_use(self, keys: Iterable[str]) -> set[str]:
        """Which of the media storage ``keys`` an avatar or header uses, on every database."""
        wanted = list(set(keys))
        used: set[str] = set()
        for column in (Account.avatar_file, Account.header_file):
            if wanted:
                used.update(await self.uow.everywhere(select(column).where(column.in_(wanted))))
        return used

    async def credential(self, account_id: int) -> Credential | None:
        return await self.uow.for_id(account_id).get(Credential, account_id)

    async def count(self) -> int:
        async def one(shard: PhysicalShard) -> int:
            total = await self.uow.session(shard).scalar(select(func.count()).select_from(Account))
            return int(total or 0)

        return sum(await self.uow.shards.gather(one))


class EmailClaimRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def _session_for(self, email_key: str) -> AsyncSession:
        return self.uow.for_logical(shard_for_key(email_key))

    async def get(self, email_key: str) -> EmailClaim | None:
        return await self._session_for(email_key).get(EmailClaim, email_key)

    def add(self, claim: EmailClaim) -> None:
        self._session_for(claim.email_key).add(claim)

    async def delete(self, claim: EmailClaim) -> None:
        await self._session_for(claim.email_key).delete(claim)
