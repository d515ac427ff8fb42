"""The feed store's own contract, on the deployment's store (in memory on SQLite, Redis on
PostgreSQL): a feed capped at a few entries keeps sending older pages to the database after
the entries above its floor are removed, and ignores late additions below the floor."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chirp.core.pagination import Page
from chirp.runtime import Runtime
from chirp.timelines.feeds import FeedStore, MemoryFeeds
from chirp.timelines.redis_feeds import RedisFeeds

SIZE = 3
KEY = "feed-store-test"


def ids(*ns: int) -> list[int]:
    """Status-shaped ids: distinct above the shard bits, as real ones are."""
    return [(1_000_000 + n) << 10 for n in ns]


@pytest.fixture
async def store(rt: Runtime) -> AsyncIterator[FeedStore]:
    made: FeedStore
    if isinstance(rt.feeds, RedisFeeds):
        made = RedisFeeds(rt.redis, rt.feeds.prefix, SIZE, 60)
    else:
        made = MemoryFeeds(SIZE, 60)
    key = rt.feed_reader.prefix + KEY
    await made.drop([key])
    yield made
    await made.drop([key])


async def built(rt: Runtime, store: FeedStore, entries: list[int]) -> str:
    key = rt.feed_reader.prefix + KEY
    token = await store.begin_rebuild(key, 30)
    assert token is not None
    assert await store.finish_rebuild(key, token, entries)
    return key


async def test_an_uncapped_build_has_no_floor_and_trimming_sets_one(
    rt: Runtime, store: FeedStore
) -> None:
    key = await built(rt, store, ids(1, 2))
    found = await store.read(key, Page(limit=10))
    assert (found.ready, found.ids, found.floor) == (True, ids(2, 1), None)

    for n in (3, 4, 5):
        await store.add([key], ids(n)[0])
    found = await store.read(key, Page(limit=10))
    assert found.ids == ids(5, 4, 3)
    assert found.floor == ids(3)[0]


async def test_removing_entries_keeps_the_floor_so_older_pages_still_reach_the_database(
    rt: Runtime, store: FeedStore
) -> None:
    key = await built(rt, store, [])
    for n in range(1, 6):
        await store.add([key], ids(n)[0])
    await store.remove([key], ids(5, 3))

    found = await store.read(key, Page(limit=10))
    assert found.ids == ids(4)
    assert found.floor == ids(3)[0]  # 1 and 2 were trimmed: the reader must look below


async def test_a_late_addition_below_the_floor_is_left_to_the_database(
    rt: Runtime, store: FeedStore
) -> None:
    key = await built(rt, store, [])
    for n in (2, 3, 4, 5):
        await store.add([key], ids(n)[0])
    await store.remove([key], ids(5))
    await store.add([key], ids(1)[0])  # older than the floor (3)

    found = await store.read(key, Page(limit=10))
    assert found.ids == ids(4, 3)
    assert found.floor == ids(3)[0]


async def test_a_build_that_fills_the_cap_sets_its_oldest_entry_as_the_floor(
    rt: Runtime, store: FeedStore
) -> None:
    key = await built(rt, store, ids(7, 8, 9))
    await store.remove([key], ids(9, 8))

    found = await store.read(key, Page(limit=10))
    assert found.ids == ids(7)
    assert found.floor == ids(7)[0]
    assert (await store.read(key, Page(limit=10, max_id=ids(7)[0]))).ids == []


async def test_a_feed_write_reloads_the_scripts_redis_lost(rt: Runtime, store: FeedStore) -> None:
    """Scripts are called by hash: after a Redis restart (here SCRIPT FLUSH) the first write
    loads them again instead of failing, and absent feeds are still skipped."""
    if not isinstance(store, RedisFeeds):
        pytest.skip("in-memory feeds run no scripts (the embedded default)")
    key = await built(rt, store, ids(1))
    absent = rt.feed_reader.prefix + KEY + "-absent"
    assert rt.redis is not None
    await rt.redis.script_flush()
    await store.add([key, absent], ids(2)[0])
    await store.remove([key], ids(1))
    assert (await store.read(key, Page(limit=10))).ids == ids(2)
    assert not await rt.redis.exists(absent)
