"""Rows land on the shard their id names, and cross-shard reads gather every database."""

from __future__ import annotations

import itertools

from sqlalchemy import select, text

from chirp.accounts.models import Account, Credential, EmailClaim
from chirp.accounts.repository import AccountRepository
from chirp.core import ids
from chirp.db.shards import shard_for_key
from chirp.oauth.models import AccessToken
from chirp.runtime import Runtime
from tests.conftest import Api

NAMES = [f"user{i}" for i in range(24)]


async def _where(rt: Runtime, model: type, column: str, value: object) -> list[int]:
    """The physical databases that hold a row, asked of each database directly."""
    found = []
    for shard in rt.shards.physical:
        async with shard.sessions() as session:
            row = await session.scalar(select(model).where(getattr(model, column) == value))
            if row is not None:
                found.append(shard.index)
    return found


async def test_an_accounts_rows_land_on_the_shard_its_id_names(api: Api, rt: Runtime) -> None:
    for name in NAMES:
        await api.register(name)
    used = set()
    for name in NAMES:
        async with rt.uow() as uow:
            account = await AccountRepository(uow).by_username(name)
        assert account is not None
        logical = ids.shard_of(account.id)
        assert logical == shard_for_key(name)
        home = rt.shards.for_logical(logical).index
        used.add(home)
        assert await _where(rt, Account, "id", account.id) == [home]
        assert await _where(rt, Credential, "account_id", account.id) == [home]
        assert await _where(rt, AccessToken, "account_id", account.id) == [home]
        claim_home = rt.shards.for_logical(shard_for_key(f"{name}@example.com")).index
        assert await _where(rt, EmailClaim, "email_key", f"{name}@example.com") == [claim_home]
    # With two databases, 24 hashed usernames spread over both (the odds of not: 2 in 2^24).
    assert used == {p.index for p in rt.shards.physical}


async def test_get_many_reads_every_database_at_once(api: Api, rt: Runtime) -> None:
    for name in NAMES[:8]:
        await api.register(name)
    async with rt.uow() as uow:
        repo = AccountRepository(uow)
        wanted = [(await repo.by_username(n)).id for n in NAMES[:8]]  # type: ignore[union-attr]
        found = await repo.get_many([*wanted, 12345])
    assert sorted(found) == sorted(wanted)
    assert all(found[i].id == i for i in wanted)


async def test_logical_shards_split_into_equal_contiguous_ranges(rt: Runtime) -> None:
    physical = rt.shards.physical
    assert physical[0].first == 0 and physical[-1].last == 1023
    for left, right in itertools.pairwise(physical):
        assert right.first == left.last + 1
    for logical in (0, 511, 512, 1023):
        assert rt.shards.for_logical(logical).holds(logical)


async def test_each_shard_database_is_migrated_to_head(rt: Runtime) -> None:
    from alembic.script import ScriptDirectory

    from chirp.migrations import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    for shard in rt.shards.physical:
        async with shard.engine.connect() as conn:
            version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
        assert version == head


async def test_statuses_and_marks_land_on_their_owners_shards(api: Api, rt: Runtime) -> None:
    from chirp.notifications.models import Notification
    from chirp.posts.models import Favourite, Status, StatusMention, StatusTag
    from tests.conftest import bearer

    tokens = {name: await api.register(name) for name in NAMES[:6]}
    ids = {}
    for name, token in tokens.items():
        me = await api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
        ids[name] = int(me.json()["id"])
    author, *others = NAMES[:6]
    posted = await api.client.post(
        "/api/v1/statuses",
        headers=bearer(tokens[author]),
        data={"status": f"hello @{others[0]} #sharded"},
    )
    status_id = int(posted.json()["id"])
    assert ids_shard(status_id) == ids_shard(ids[author])
    home = rt.shards.for_id(ids[author]).index
    assert await _where(rt, Status, "id", status_id) == [home]
    assert await _where(rt, StatusMention, "status_id", status_id) == [home]
    assert await _where(rt, StatusTag, "status_id", status_id) == [home]
    for name in others:
        await api.client.post(
            f"/api/v1/statuses/{status_id}/favourite", headers=bearer(tokens[name])
        )
        fav_home = rt.shards.for_id(ids[name]).index
        assert await _where(rt, Favourite, "account_id", ids[name]) == [fav_home]
    mentioned_home = rt.shards.for_id(ids[others[0]]).index
    assert await _where(rt, Notification, "account_id", ids[others[0]]) == [mentioned_home]
    shown = await api.client.get(f"/api/v1/statuses/{status_id}")
    assert shown.json()["favourites_count"] == len(others)


def ids_shard(snowflake: int) -> int:
    return ids.shard_of(snowflake)
