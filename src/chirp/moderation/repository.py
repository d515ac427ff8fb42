"""Every query of the moderation context. Staff lists span every database: each is asked for
its newest page and the pages are merged (``Page.take``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select

from chirp.accounts.models import Account, Credential
from chirp.core.pagination import Page
from chirp.db.shards import shard_for_key
from chirp.db.uow import UnitOfWork
from chirp.moderation.models import AuditEntry, DomainBlock, Report


class ModerationRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def add(self, row: Report | AuditEntry | DomainBlock) -> None:
        if isinstance(row, DomainBlock):
            self.uow.for_logical(shard_for_key(row.domain)).add(row)
        else:
            self.uow.for_id(row.id).add(row)

    # -- accounts ----------------------------------------------------------------------------

    async def accounts(
        self, page: Page, where: Sequence[ColumnElement[bool]]
    ) -> list[tuple[Account, Credential]]:
        """A page of local accounts with their credentials, newest first, matching ``where``
        (conditions on both tables, which share a shard)."""
        query = page.apply(
            select(Account, Credential)
            .join(Credential, Credential.account_id == Account.id)
            .where(*where),
            Account.id,
        )

        async def one(shard: Any) -> list[tuple[Account, Credential]]:
            rows = (await self.uow.session(shard).execute(query)).all()
            return [(a, c) for a, c in rows]

        found = [pair for rows in await self.uow.shards.gather(one) for pair in rows]
        by_id = {a.id: (a, c) for a, c in found}
        return [by_id[i] for i in page.pick(list(by_id))]

    async def credentials(self, account_ids: set[int]) -> dict[int, Credential]:
        found = await self.uow.scatter(
            account_ids, lambda wanted: select(Credential).where(Credential.account_id.in_(wanted))
        )
        return {c.account_id: c for c in found}

    # -- reports -----------------------------------------------------------------------------

    async def report(self, report_id: int) -> Report | None:
        return await self.uow.for_id(report_id).get(Report, report_id)

    async def reports(self, page: Page, where: Sequence[ColumnElement[bool]]) -> list[Report]:
        found = await self.uow.everywhere(page.apply(select(Report).where(*where), Report.id))
        return page.take(found)

    async def open_reports_on(self, target_id: int) -> list[Report]:
        """The unresolved reports about an account (an action on it resolves them)."""
        query = select(Report).where(
            Report.target_account_id == target_id, Report.action_taken_at.is_(None)
        )
        return await self.uow.everywhere(query)

    # -- the audit log -----------------------------------------------------------------------

    async def audit(self, page: Page) -> list[AuditEntry]:
        found = await self.uow.everywhere(page.apply(select(AuditEntry), AuditEntry.id))
        return page.take(found)

    # -- domain blocks -----------------------------------------------------------------------

    async def domain_block(self, block_id: int) -> DomainBlock | None:
        return await self.uow.for_id(block_id).get(DomainBlock, block_id)

    async def domain_block_for(self, domain: str) -> DomainBlock | None:
        session = self.uow.for_logical(shard_for_key(domain))
        return await session.scalar(select(DomainBlock).where(DomainBlock.domain == domain))

    async def domain_blocks(self, page: Page) -> list[DomainBlock]:
        found = await self.uow.everywhere(page.apply(select(DomainBlock), DomainBlock.id))
        return page.take(found)

    async def delete(self, row: DomainBlock) -> None:
        await self.uow.for_logical(shard_for_key(row.domain)).delete(row)
