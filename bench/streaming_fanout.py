"""How fast one process hands streaming events to its open connections.

Run: ``.venv/bin/python bench/streaming_fanout.py`` (the in-process hub), or with
``CHIRP_REDIS_URL=redis://127.0.0.1:6379/15`` to publish from one hub and receive on another
through Redis pub/sub. Opens N anonymous connections on ``timeline:public`` (no database work:
anonymous viewers need no relations), publishes E events and waits until every connection
has filtered and taken all of them. Prints deliveries per second for each N.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from chirp.config import Environment, Settings
from chirp.runtime import Runtime
from chirp.streaming.channels import PUBLIC, Stream
from chirp.streaming.connection import Connection
from chirp.streaming.hub import Hub, InProcessHub
from chirp.streaming.messages import Envelope, StatusFacts

EVENTS = 200


REDIS = os.environ.get("CHIRP_REDIS_URL")


def _hubs() -> tuple[Hub, Hub]:
    """The hub to publish on and the hub whose connections receive (one, in process)."""
    if not REDIS:
        hub = InProcessHub()
        return hub, hub
    from chirp.streaming.redis_hub import RedisHub

    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    return RedisHub(REDIS, namespace), RedisHub(REDIS, namespace)


async def _drain(conn: Connection, wanted: int) -> None:
    got = 0
    async for item in conn.events():
        if item is not None:
            got += 1
            if got == wanted:
                return


async def run(rt: Runtime, connections: int) -> float:
    publisher, receiver = _hubs()
    rt = replace(rt, hub=receiver)
    conns = [Connection(rt, None, "bench") for _ in range(connections)]
    for conn in conns:
        await conn.add(Stream("public", ("public",), (PUBLIC,)))
    consumers = [asyncio.create_task(_drain(c, EVENTS)) for c in conns]
    facts = StatusFacts(id=1, account_id=2, visibility="public")
    envelope = Envelope("update", '{"id": "1"}', status=facts)
    started = time.perf_counter()
    for _ in range(EVENTS):
        await publisher.publish(PUBLIC, envelope)
        await asyncio.sleep(0)  # let consumers keep up, as a real publisher's awaits do
    await asyncio.gather(*consumers)
    elapsed = time.perf_counter() - started
    for conn in conns:
        await conn.close()
    await publisher.close()
    if receiver is not publisher:
        await receiver.close()
    return connections * EVENTS / elapsed


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            env=Environment.test,
            data_dir=Path(tmp),
            secret_key=secrets.token_urlsafe(48),
            node_id=1,
        )
        rt = Runtime.build(settings)
        kind = "redis" if REDIS else "in-process"
        for connections in (10, 100, 1000):
            rate = await run(rt, connections)
            print(f"{kind} hub, {connections:>5} connections: {rate:>10,.0f} deliveries/s")
        await rt.close()


if __name__ == "__main__":
    asyncio.run(main())
