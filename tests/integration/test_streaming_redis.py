"""Streaming across processes through Redis pub/sub: two hubs that share nothing but Redis
(as two worker processes do) see each other's events and presence.

Needs a Redis at ``CHIRP_TEST_REDIS`` (default redis://127.0.0.1:6379/15; CI starts one).
Each test uses its own namespace, since pub/sub channels are shared by every database number.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
import redis

from chirp.db.events import Events
from chirp.runtime import Runtime, build_hub
from chirp.streaming.messages import Envelope
from chirp.streaming.redis_hub import RedisHub
from tests.conftest import Api, reachable, user
from tests.streaming import live_server, sse

REDIS = os.environ.get("CHIRP_TEST_REDIS", "redis://127.0.0.1:6379/15")


pytestmark = pytest.mark.skipif(
    not reachable(REDIS), reason=f"cross-process streaming needs a Redis at {REDIS}"
)


@pytest.fixture
async def hubs() -> AsyncIterator[tuple[RedisHub, RedisHub]]:
    namespace = f"chirp-test-{uuid.uuid4().hex[:12]}"
    first, second = RedisHub(REDIS, namespace), RedisHub(REDIS, namespace)
    yield first, second
    await first.close()
    await second.close()


class Inbox:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, Envelope]] = asyncio.Queue()

    def deliver(self, channel: str, envelope: Envelope) -> None:
        self.queue.put_nowait((channel, envelope))


async def test_an_event_published_in_one_process_reaches_subscribers_in_another(
    hubs: tuple[RedisHub, RedisHub],
) -> None:
    here, there = hubs
    inbox = Inbox()
    await here.subscribe(inbox, ["timeline:public"])
    sent = Envelope("delete", "42")
    await there.publish("timeline:public", sent)
    await there.publish("timeline:1", Envelope("delete", "not subscribed"))
    await there.publish("timeline:public", Envelope("delete", "43"))
    async with asyncio.timeout(5):
        assert await inbox.queue.get() == ("timeline:public", sent)
        assert (await inbox.queue.get())[1].payload == "43"


async def test_the_reader_reconnects_and_resubscribes_after_losing_redis(
    hubs: tuple[RedisHub, RedisHub],
) -> None:
    here, there = hubs
    inbox = Inbox()
    await here.subscribe(inbox, ["timeline:public"])
    await there.publish("timeline:public", Envelope("delete", "before"))
    async with asyncio.timeout(5):
        assert (await inbox.queue.get())[1].payload == "before"
    admin = redis.Redis.from_url(REDIS)
    ours = [c["id"] for c in admin.client_list() if c["name"] == here.client_name]
    assert ours
    for client_id in ours:  # only this hub's connections: the Redis may be shared
        admin.client_kill_filter(_id=client_id)
    # Events published while it reconnects are lost (pub/sub keeps nothing); then they flow.
    async with asyncio.timeout(10):
        while inbox.queue.empty():
            await there.publish("timeline:public", Envelope("delete", "after"))
            await asyncio.sleep(0.2)
    assert (await inbox.queue.get())[1].payload == "after"


async def test_presence_is_shared_and_released(hubs: tuple[RedisHub, RedisHub]) -> None:
    here, there = hubs
    await here.arrive(7)
    await here.arrive(7)
    assert await there.online([7, 8]) == {7}
    await here.leave(7)
    assert await there.online([7]) == {7}  # one stream of account 7 is still open here
    await here.leave(7)
    assert await there.online([7]) == set()
    await here.arrive(9)
    await here.close()  # a process shutting down withdraws its claims
    assert await there.online([9]) == set()


def test_a_redis_url_selects_the_redis_hub(rt: Runtime) -> None:
    settings = rt.settings.model_copy(update={"redis_url": REDIS})
    assert isinstance(build_hub(settings), RedisHub)


async def test_a_post_through_one_server_streams_from_another(
    rt: Runtime, api: Api, hubs: tuple[RedisHub, RedisHub]
) -> None:
    # Two processes: each its own hub and its own event bus (its subscribers, bound to it).
    writer = replace(rt, hub=hubs[0], events=Events())
    reader = replace(rt, hub=hubs[1], events=Events())
    alice, bob = await user(api, "alice"), await user(api, "bob")
    followed = await api.client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.auth)
    assert followed.status_code == 200
    async with (
        live_server(writer) as posting,
        live_server(reader) as streaming,
        sse(streaming, "user", bob.token) as home,
        sse(streaming, "public") as public,
    ):
        assert await writer.hub.online([int(bob.id)]) == {int(bob.id)}
        async with httpx.AsyncClient(base_url=posting) as client:
            sent = await client.post(
                "/api/v1/statuses", headers=alice.auth, data={"status": "across processes"}
            )
        assert sent.status_code == 200, sent.text
        status_id = sent.json()["id"]
        for stream in (home, public):
            event, entity = await stream.next_status()
            assert (event, entity["id"]) == ("update", status_id)
