"""Broker outage: posting goes on while RabbitMQ is unreachable, and the backlog drains after.

Events are written to the outbox in the posting transaction, so a post never waits for the
broker; the relay publishes them once it can connect again, and the workers fan them out.

The issue asks for a one-minute outage. The test cuts the broker off for
``CHIRP_TEST_OUTAGE_SECONDS`` (5 by default, to keep the suite fast): the mechanism is the same
for any length, since nothing is published until the connection is back. The shared RabbitMQ
keeps running for other test runs; this test's processes reach it through a proxy it cuts.

An event whose publish failed is released at once (not left leased for the relay's 60 s
lease), so the backlog drains within seconds of the broker's return; the test holds it to that.
"""

from __future__ import annotations

import asyncio
import os
import time

import httpx

from chirp.app import create_app
from chirp.config import Settings
from tests.conftest import REDIS, Api, bearer
from tests.engine.conftest import (
    BROKER,
    NotYet,
    Proxy,
    Runtimes,
    Workers,
    add_followers,
    configured,
    eventually,
    open_feeds,
    outbox_and_dead,
    started,
)

OUTAGE_SECONDS = float(os.environ.get("CHIRP_TEST_OUTAGE_SECONDS", "5"))
FOLLOWERS = 50
POSTS_DURING_OUTAGE = 5
# Once the broker is back: the workers' reconnect interval (5 s) and the fan-out, with room.
DRAIN_SECONDS = 20


class BacklogStuck(AssertionError):
    """The backlog was not drained in time after the broker came back."""


async def test_posts_made_while_the_broker_is_down_reach_every_feed_once_it_is_back(
    services: None, module_settings: Settings, runtimes: Runtimes, workers: Workers
) -> None:
    proxy = Proxy(BROKER)
    await proxy.open()
    settings = configured(
        module_settings, redis_url=REDIS, broker_url=proxy.url(BROKER), timeline_strategy="push"
    )
    rt = await runtimes(settings)
    worker = workers.start(settings)
    transport = httpx.ASGITransport(app=create_app(runtime=rt))
    try:
        async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client:
            api = Api(client)
            token = await api.register("newsdesk")
            me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
            author = int(me.json()["id"])
            followers = await add_followers(rt, author, FOLLOWERS)
            await open_feeds(rt, "push", followers)
            keys = rt.feed_reader.keys("push", followers)
            await rt.jobs.start()  # the relay; the worker consumes

            await started(rt, workers, worker)

            async def post(text: str) -> tuple[int, float]:
                began = time.monotonic()
                response = await client.post(
                    "/api/v1/statuses", headers=bearer(token), data={"status": text}
                )
                assert response.status_code == 200, response.text
                return int(response.json()["id"]), time.monotonic() - began

            async def in_every_feed(status_ids: list[int]) -> bool:
                assert rt.redis is not None
                async with rt.redis.pipeline(transaction=False) as pipe:
                    for key in keys:
                        for status_id in status_ids:
                            pipe.zscore(key, str(status_id))
                    return all(s is not None for s in await pipe.execute())

            before, _ = await post("before the outage")
            await eventually(lambda: in_every_feed([before]), 20, "the fan-out before")

            await proxy.close()
            cut = time.monotonic()
            during = [await post(f"during the outage, {n}") for n in range(POSTS_DURING_OUTAGE)]
            await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - cut)))
            waiting, _ = await outbox_and_dead(rt)
            assert waiting >= 1  # held in the outbox, not lost, while nothing can be published
            assert not await in_every_feed([during[0][0]])
            await proxy.open()

            posted = [before, *(status_id for status_id, _ in during)]
            try:
                took = await eventually(
                    lambda: in_every_feed(posted), DRAIN_SECONDS, "the drain", interval=0.2
                )
            except NotYet as stuck:
                raise BacklogStuck(str(stuck)) from None
            assert await outbox_and_dead(rt) == (0, 0)
            print(
                f"posting during a {OUTAGE_SECONDS:.0f} s outage took "
                f"{max(s for _, s in during):.2f} s at most; the backlog of "
                f"{POSTS_DURING_OUTAGE} posts drained {took:.1f} s after the broker came back"
            )
    finally:
        await proxy.close()
