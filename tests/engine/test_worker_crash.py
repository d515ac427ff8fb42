"""Crash: a worker killed with SIGKILL in the middle of fanning out a post to 5,000 followers.

The worker acknowledges the job only after the whole fan-out is stored, so RabbitMQ hands the
unacknowledged message to the next worker, which runs the fan-out again from the start. Feed
writes are idempotent: every follower's feed ends up holding the post exactly once.
"""

from __future__ import annotations

import asyncio

from chirp.config import Settings
from chirp.posts import service as posts
from chirp.posts.schemas import StatusCreate
from chirp.runtime import Runtime
from tests.conftest import REDIS
from tests.engine.conftest import (
    BROKER,
    Runtimes,
    Workers,
    add_followers,
    configured,
    eventually,
    open_feeds,
    outbox_and_dead,
    sign_up,
    started,
)

FOLLOWERS = 5_000
# Small batches make the fan-out long (five hundred batches, a second or more) so that it is
# caught half-way.
BATCH = 10
# How many of KEYS hold anything besides their markers (score 0): one round trip however many
# feeds are watched.
_FILLED = """
local n = 0
for _, key in ipairs(KEYS) do
  if redis.call('ZCOUNT', key, '(0', '+inf') > 0 then n = n + 1 end
end
return n
"""


async def test_a_worker_killed_mid_fan_out_leaves_the_post_once_in_every_feed(
    services: None, module_settings: Settings, runtimes: Runtimes, workers: Workers
) -> None:
    settings = configured(
        module_settings,
        redis_url=REDIS,
        broker_url=BROKER,
        timeline_strategy="push",
        fanout_batch=BATCH,
    )
    rt = await runtimes(settings)
    assert rt.redis is not None
    first = workers.start(settings)  # it starts while the followers are written
    author = await sign_up(rt, "loud")
    followers = await add_followers(rt, author, FOLLOWERS)
    await open_feeds(rt, "push", followers)
    keys = rt.feed_reader.keys("push", followers)
    filled = rt.redis.register_script(_FILLED)
    await rt.jobs.start()  # the relay only: this process publishes, the workers consume
    await started(rt, workers, first)

    async def reached() -> int:
        return int(await filled(keys=keys))

    async def kill_once_begun() -> None:
        # Watching from before the post, so the kill comes within milliseconds of the start.
        while not await reached():
            assert first.poll() is None, workers.logs()
            await asyncio.sleep(0.005)
        workers.kill(first)

    watcher = asyncio.create_task(kill_once_begun())
    try:
        created = await posts.create(rt, author, StatusCreate(status="to everyone"), None)
        await asyncio.wait_for(watcher, 30)
    finally:
        watcher.cancel()
    status_id = int(created["id"])
    at_kill = await reached()
    assert at_kill < FOLLOWERS, "the fan-out ended before the kill: make BATCH smaller"

    workers.start(settings)

    async def complete() -> bool:
        return await reached() == FOLLOWERS

    took = await eventually(complete, 60, "the redelivered fan-out", interval=0.2)
    await assert_only(rt, keys, status_id)
    assert await outbox_and_dead(rt) == (0, 0)
    assert rt.jobs.broker is not None
    assert await rt.jobs.broker.depth() == 0
    print(
        f"killed the first worker after {at_kill} of {FOLLOWERS} feeds; "
        f"the next one started and finished the fan-out in {took:.1f} s"
    )


async def assert_only(rt: Runtime, keys: list[str], status_id: int) -> None:
    """Every feed holds exactly that status besides its markers (score 0, below every id)."""
    assert rt.redis is not None
    async with rt.redis.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.zrangebyscore(key, "(0", "+inf")
            pipe.zcard(key)
            pipe.zcount(key, 0, 0)
        found = await pipe.execute()
    for n, key in enumerate(keys):
        members, card, markers = found[3 * n : 3 * n + 3]
        assert members == [str(status_id).encode()], key
        assert card - markers == 1, key
