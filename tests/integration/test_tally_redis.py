"""The rate limits' Redis tally on a real Redis, riding the change log's rounds: counts
shared by two processes' tallies, and exact again after Redis lost its scripts."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from chirp.core.tallies import RedisTally
from chirp.hotpath.changes import RedisChanges
from chirp.hotpath.store import HotStore
from tests.conftest import REDIS

DAY = 86_400


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS)
    yield client
    await client.aclose()


def _tally(redis: Redis, prefix: str) -> RedisTally:
    """A process's tally, on its own change log follower (as each server process has)."""
    store = HotStore(statuses=10, viewers=10, lists=10, list_size=10, ttl=60)
    return RedisTally(redis, prefix, RedisChanges(redis, prefix, store))


async def test_two_processes_count_together_also_after_redis_lost_its_scripts(
    redis: Redis,
) -> None:
    prefix = f"chirp-tally-{secrets.token_hex(4)}:"
    one, two = _tally(redis, prefix), _tally(redis, prefix)
    try:
        first = await asyncio.gather(*(t.count([("k", DAY)]) for t in (one, two, one)))
        assert sorted(c[0] for c in first if c is not None) == [1, 2, 3]
        await redis.script_flush()  # (a restarted Redis has none either)
        assert await two.count([("k", DAY), ("other", DAY)]) == [4, 1]
        assert await one.count([("k", DAY)]) == [5]
        ttl = [await redis.ttl(key) async for key in redis.scan_iter(match=f"{prefix}rl:*")]
        assert len(ttl) == 2 and all(0 < t <= DAY + 1 for t in ttl)
    finally:
        await one.reset()
        await redis.delete(f"{prefix}{{hot}}:generation")
