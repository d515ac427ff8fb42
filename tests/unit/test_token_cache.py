"""The per-process cache of resolved tokens: expiry, size bound, and revocation everywhere."""

from __future__ import annotations

import asyncio
import os
import secrets

import pytest
import redis

from chirp.core.auth import Bearer
from chirp.oauth.cache import EVERYTHING, TTL_ALONE, TTL_SHARED, TokenCache

REDIS_URL = os.environ.get("CHIRP_TEST_REDIS", "redis://127.0.0.1:6379/0")


def bearer(n: int) -> Bearer:
    return Bearer(token_id=n, app_id=1, account_id=n, scopes=frozenset({"read"}))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_for_the_ttl_only() -> None:
    clock = Clock()
    cache = TokenCache(ttl=5, clock=clock)
    cache.put("d1", bearer(1))
    clock.now += 4.9
    assert cache.get("d1") == bearer(1)
    clock.now += 0.2
    assert cache.get("d1") is None


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = TokenCache(ttl=60, size=2)
    cache.put("a", bearer(1))
    cache.put("b", bearer(2))
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("c", bearer(3))
    assert cache.get("b") is None
    assert cache.get("a") == bearer(1) and cache.get("c") == bearer(3)


def test_drop_forgets_one_token_or_all() -> None:
    cache = TokenCache(ttl=60)
    for n in range(3):
        cache.put(f"d{n}", bearer(n))
    cache.drop("d0")
    assert cache.get("d0") is None and cache.get("d1") is not None
    cache.drop(EVERYTHING)
    assert cache.get("d1") is None and cache.get("d2") is None


def test_entries_live_longer_only_where_revocations_are_broadcast() -> None:
    assert TokenCache().ttl == TTL_ALONE
    assert TokenCache(redis_url=REDIS_URL).ttl == TTL_SHARED > TTL_ALONE
    # The only process: a revocation reaches every cache there is at once.
    assert TokenCache(only_process=True).ttl == TTL_SHARED


async def test_a_revocation_in_one_process_reaches_the_others_through_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (CI starts one)")
    here, there = TokenCache(redis_url=REDIS_URL), TokenCache(redis_url=REDIS_URL)
    there.put("sentinel", bearer(0))
    listener = asyncio.create_task(there.listen())
    try:
        digest = secrets.token_hex(32)
        for _ in range(250):  # once subscribed, the listener forgets what it held before
            if there.get("sentinel") is None:
                break
            await asyncio.sleep(0.02)
        there.put("probe", bearer(0))
        there.put(digest, bearer(7))
        await here.revoked(digest)
        for _ in range(100):
            if there.get(digest) is None:
                break
            await asyncio.sleep(0.02)
        assert there.get(digest) is None
        assert there.get("probe") is not None  # only the revoked token was dropped
    finally:
        listener.cancel()
        with pytest.raises(asyncio.CancelledError):
            await listener
        await here.close()
        await there.close()
