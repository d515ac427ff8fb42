"""The unit of work: nothing sticks without commit, side effects wait for it."""

from __future__ import annotations

import pytest

from chirp.accounts.models import Account
from chirp.accounts.repository import AccountRepository
from chirp.db.shards import ReadOnlyUnit
from chirp.posts.repository import StatusRepository
from chirp.runtime import Runtime
from tests.conftest import Api, post, user
from tests.integration.test_query_count import counting


def _account(rt: Runtime, name: str) -> Account:
    now = rt.clock.now()
    return Account(
        id=rt.ids.next_id(7),
        username=name,
        username_key=name,
        display_name="",
        note="",
        locked=False,
        bot=False,
        discoverable=True,
        hide_collections=False,
        fields=[],
        followers_count=0,
        following_count=0,
        statuses_count=0,
        created_at=now,
        updated_at=now,
    )


async def test_rolls_back_uncommitted_work_by_default(rt: Runtime) -> None:
    account = _account(rt, "ghost")
    async with rt.uow(write=True) as uow:
        AccountRepository(uow).add(account)
        await uow.session(rt.shards.for_id(account.id)).flush()
    async with rt.uow() as uow:
        assert await AccountRepository(uow).get(account.id) is None


async def test_commit_keeps_work_and_runs_side_effects_after_it(rt: Runtime) -> None:
    account = _account(rt, "kept")
    seen: list[bool] = []

    async def effect() -> None:
        async with rt.uow() as other:  # a separate transaction sees the committed row
            seen.append(await AccountRepository(other).get(account.id) is not None)

    async with rt.uow(write=True) as uow:
        AccountRepository(uow).add(account)
        uow.after_commit(effect)
        assert seen == []
        await uow.commit()
    assert seen == [True]


async def test_gathered_side_effects_run_once_per_commit_with_all_their_items(
    rt: Runtime,
) -> None:
    flushed: list[list[int]] = []

    async def flush(items: list[int]) -> None:
        flushed.append(list(items))

    async with rt.uow(write=True) as uow:
        AccountRepository(uow).add(_account(rt, "gathered"))
        uow.gather_after_commit("events", 1, flush)
        uow.gather_after_commit("events", 2, flush)
        await uow.commit()
        uow.gather_after_commit("events", 3, flush)  # after the commit: waits for the next
        await uow.commit()
    assert flushed == [[1, 2], [3]]


async def test_side_effects_of_a_rolled_back_unit_never_run(rt: Runtime) -> None:
    ran: list[str] = []

    async def effect() -> None:
        ran.append("ran")

    async with rt.uow(write=True) as uow:
        AccountRepository(uow).add(_account(rt, "dropped"))
        uow.after_commit(effect)
    assert ran == []


async def test_rows_read_in_a_unit_stay_readable_after_it_closes(rt: Runtime) -> None:
    account = _account(rt, "reader")
    async with rt.uow(write=True) as uow:
        AccountRepository(uow).add(account)
        await uow.commit()
    async with rt.uow() as uow:
        loaded = await AccountRepository(uow).get(account.id)
    assert loaded is not None and loaded.username == "reader"


async def test_a_read_unit_refuses_to_write_or_commit(rt: Runtime) -> None:
    # Reads may run without a transaction (autocommit on PostgreSQL): a write there would
    # commit on its own, so it is refused before it reaches the database.
    account = _account(rt, "sneaky")
    async with rt.uow() as uow:
        AccountRepository(uow).add(account)
        with pytest.raises(ReadOnlyUnit):
            await uow.session(rt.shards.for_id(account.id)).flush()
    async with rt.uow() as uow:
        with pytest.raises(RuntimeError, match="read unit of work"):
            await uow.commit()
    async with rt.uow() as uow:
        assert await AccountRepository(uow).get(account.id) is None


async def test_rows_a_reuse_read_held_are_answered_without_a_query_until_rolled_back(
    api: Api, rt: Runtime
) -> None:
    author = await user(api, "author")
    status_id = int(await post(api, author, "read me once"))
    async with rt.uow(write=True) as uow:
        repo = StatusRepository(uow)
        first = await repo.get_many([status_id], reuse=True)
        with counting(rt) as statements:
            again = await repo.get_many([status_id], reuse=True)
        assert again[status_id] is first[status_id] and statements == []

        await uow.rollback()  # expires what the sessions hold: read afresh, not lazily
        with counting(rt) as statements:
            fresh = await repo.get_many([status_id], reuse=True)
        assert fresh[status_id].text == "read me once"
        assert len([s for s in statements if "FROM status" in s]) == 1
