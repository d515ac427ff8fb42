"""Account entities for a page of things that show accounts, through the entity cache."""

from __future__ import annotations

from collections.abc import Iterable

from chirp.accounts.repository import AccountRepository
from chirp.accounts.schemas import account_public
from chirp.core.entities import Entity, EntityCache, Kind
from chirp.db.uow import UnitOfWork


async def public_entities(
    uow: UnitOfWork, cache: EntityCache, base_url: str, ids: Iterable[int]
) -> dict[int, Entity]:
    """``account_public`` of each account that exists: from the cache, the rest in one query
    per database."""
    wanted = set(ids)
    found = await cache.get_many(Kind.account, wanted)
    missing = wanted - found.keys()
    if missing:
        rows = await AccountRepository(uow).get_many(missing)
        built = {i: account_public(a, base_url) for i, a in rows.items()}
        found.update(built)
        if not uow.write:
            # A write's session may hold rows its own UPDATEs moved behind it: it reads
            # through the cache but leaves filling it to reads.
            await cache.put_many(Kind.account, built)
    return found
