"""Streaming a pulled author's posts: when no feed needs writing, fan-out finds the followers
among the accounts online instead of walking every follower, and the streams see the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from chirp.accounts.models import Account
from chirp.db.uow import UnitOfWork
from chirp.posts.models import Status
from chirp.runtime import Runtime
from chirp.streaming import events
from chirp.timelines import tasks
from tests.api.test_timelines import follow
from tests.conftest import Api, User, post, user
from tests.streaming import sse


async def pulled(rt: Runtime, author: User) -> None:
    """Make the author one hybrid fan-out pulls (the sticky flag a big author gets)."""
    async with rt.uow(write=True) as uow:
        row = await uow.for_id(int(author.id)).get(Account, int(author.id))
        assert row is not None
        row.fanout_pulled = True
        await uow.commit()


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The authors whose followers fan-out walked, batch by batch."""
    walked: list[int] = []
    original = tasks.follower_batches

    async def recorded(rt: Runtime, author_id: int) -> AsyncIterator[list[int]]:
        walked.append(author_id)
        async for batch in original(rt, author_id):
            yield batch

    monkeypatch.setattr(tasks, "follower_batches", recorded)
    return walked


async def wait_online(rt: Runtime, account: User) -> None:
    for _ in range(200):
        if await rt.hub.online([int(account.id)]):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the stream never became present")


async def test_a_pulled_authors_post_reaches_online_followers_without_a_follower_walk(
    rt: Runtime, api: Api, live: str, walks: list[int]
) -> None:
    assert rt.home.name == "hybrid"  # where a flagged author is pulled
    author, online, stranger = (
        await user(api, "alice"),
        await user(api, "bob"),
        await user(api, "dave"),
    )
    offline = [await user(api, f"offline{n}") for n in range(2)]
    for follower in (online, *offline):  # three followers, two accounts online
        await follow(api, follower, author)
    await pulled(rt, author)

    async with (
        sse(live, "user", online.token) as stream,
        sse(live, "user", stranger.token) as other,
    ):
        await wait_online(rt, online)
        await wait_online(rt, stranger)
        posted = await post(api, author, "to the few who are here")
        event, entity = await stream.next_status()
        assert (event, entity["id"]) == ("update", posted)
        # The stranger's next event is their own later post: the author's never came.
        own = await post(api, stranger, "mine")
        assert (await other.next_status())[1]["id"] == own
    assert int(author.id) not in walks


async def test_when_most_followers_are_online_fan_out_walks_the_followers(
    rt: Runtime, api: Api, live: str, walks: list[int]
) -> None:
    author, follower = await user(api, "alice"), await user(api, "bob")
    await follow(api, follower, author)
    await pulled(rt, author)

    async with sse(live, "user", follower.token) as stream:
        await wait_online(rt, follower)
        posted = await post(api, author, "one follower, and it is online")
        event, entity = await stream.next_status()
        assert (event, entity["id"]) == ("update", posted)
    assert walks.count(int(author.id)) == 1


async def test_everyone_online_names_accounts_with_an_open_user_stream(
    rt: Runtime, api: Api, live: str
) -> None:
    alice = await user(api, "alice")
    async with sse(live, "user", alice.token):
        await wait_online(rt, alice)
        assert int(alice.id) in await rt.hub.everyone_online()


async def test_a_fan_out_renders_its_status_once_for_all_its_streams(
    rt: Runtime, api: Api, live: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders: list[int] = []
    original = events._render

    async def counted(rt: Runtime, uow: UnitOfWork, status: Status, event: str) -> Any:
        renders.append(status.id)
        return await original(rt, uow, status, event)

    monkeypatch.setattr(events, "_render", counted)
    monkeypatch.setattr(rt, "settings", rt.settings.model_copy(update={"fanout_batch": 1}))
    author, first, second = (
        await user(api, "alice"),
        await user(api, "bob"),
        await user(api, "carol"),
    )
    for follower in (first, second):  # two followers: two batches of one
        await follow(api, follower, author)

    async with sse(live, "user", first.token) as a, sse(live, "user", second.token) as b:
        await wait_online(rt, first)
        await wait_online(rt, second)
        posted = await post(api, author, "to both batches")
        assert (await a.next_status())[1]["id"] == posted
        assert (await b.next_status())[1]["id"] == posted
    # Once, for the public streams and every follower batch together.
    assert renders.count(int(posted)) == 1
