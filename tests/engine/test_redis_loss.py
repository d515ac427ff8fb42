"""Redis loss: FLUSHALL under a running read and write load answers no 5xx, and every home
feed comes back, rebuilt from the database on its next read, equal to what the pull strategy
computes from the same data; the hot read path drops what it held (the change log is gone
with everything else) and answers again, page for page what the database path answers.

The test starts a Redis server of its own on a free port (FLUSHALL on the shared one would wipe
other test runs' feeds) and serves the API in process (httpx over ASGI), fan-out in process.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import subprocess
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from chirp.app import create_app
from chirp.config import Settings
from chirp.core.pagination import Page
from chirp.graph.relations import Relations
from chirp.runtime import Runtime
from chirp.timelines.home import PullHome
from chirp.timelines.redis_feeds import READY
from tests.conftest import Api, User, post, user
from tests.engine.conftest import Runtimes, configured, eventually, free_port, outbox_and_dead

PEOPLE = 8
READERS = 8
LOAD_SECONDS = 1.5  # before the flush, and again after it


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A throwaway redis-server, without persistence, as a restart with no disk would be."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
async def served(
    private_redis: str, module_settings: Settings, runtimes: Runtimes
) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    probe = Redis.from_url(private_redis)

    async def up() -> bool:
        try:
            return bool(await probe.ping())
        except RedisError:
            return False

    await eventually(up, 10, "the private redis-server's start", interval=0.1)
    await probe.aclose()
    settings = configured(module_settings, redis_url=private_redis, timeline_strategy="push")
    rt = await runtimes(settings)
    await rt.jobs.start()
    await rt.hot.start()
    transport = httpx.ASGITransport(app=create_app(runtime=rt))
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client:
        yield rt, client


async def same_as_the_database_path(
    rt: Runtime, client: httpx.AsyncClient, people: list[User]
) -> None:
    """The hot pages (public, every account's, a few statuses) equal the database path's."""
    transport = httpx.ASGITransport(app=create_app(runtime=rt, hot=False))
    async with httpx.AsyncClient(transport=transport, base_url=str(client.base_url)) as database:
        public = await database.get("/api/v1/timelines/public", headers=people[0].auth)
        paths = ["/api/v1/timelines/public"]
        paths += [f"/api/v1/accounts/{p.id}/statuses" for p in people]
        paths += [f"/api/v1/statuses/{s['id']}" for s in public.json()[:5]]
        for path in paths:
            for viewer in (people[0], people[-1]):
                hot = await client.get(path, headers=viewer.auth)
                reference = await database.get(path, headers=viewer.auth)
                assert hot.status_code == reference.status_code == 200, path
                assert hot.content == reference.content, path


async def pull_home(rt: Runtime, viewer_id: int, page: Page) -> list[str]:
    """The viewer's home page as the pull strategy computes it: the database, no feed."""
    async with rt.uow() as uow:
        relations = await Relations.load(uow, viewer_id, rt.clock.now())
        return [str(s.id) for s in await PullHome().page(uow, relations, page)]


async def walk(rt: Runtime, client: httpx.AsyncClient, viewer: User) -> None:
    """Every page of the viewer's home through the API equals the pull strategy's page."""
    max_id: str | None = None
    while True:
        params = {"limit": "40", **({"max_id": max_id} if max_id else {})}
        response = await client.get("/api/v1/timelines/home", headers=viewer.auth, params=params)
        assert response.status_code == 200, response.text
        shown = [s["id"] for s in response.json()]
        page = Page(max_id=int(max_id) if max_id else None, limit=40)
        assert shown == await pull_home(rt, int(viewer.id), page), f"home of {viewer.id}"
        if not shown:
            return
        max_id = shown[-1]


async def test_flushall_under_load_gives_no_errors_and_every_feed_comes_back_as_pull_sees_it(
    served: tuple[Runtime, httpx.AsyncClient],
) -> None:
    rt, client = served
    assert rt.redis is not None
    api = Api(client)
    people = [await user(api, f"reader{n}") for n in range(PEOPLE)]
    shuffle = random.Random(5)
    for n, person in enumerate(people):
        # Everyone follows the next three, and the first follows everybody.
        targets = people[1:] if n == 0 else [people[(n + k) % PEOPLE] for k in (1, 2, 3)]
        for target in targets:
            response = await client.post(
                f"/api/v1/accounts/{target.id}/follow", headers=person.auth
            )
            assert response.status_code == 200, response.text
    for n in range(3 * PEOPLE):
        author = shuffle.choice(people)
        await post(api, author, f"before the flush, {n}")
    for person in people:
        await walk(rt, client, person)  # builds every feed

    codes: Counter[int] = Counter()
    reads_after_flush = 0
    flushed = False
    stop = asyncio.Event()

    async def reader(n: int) -> None:
        nonlocal reads_after_flush
        while not stop.is_set():
            viewer = people[n % PEOPLE]
            n += 1
            path = "/api/v1/timelines/public" if n % 3 == 0 else "/api/v1/timelines/home"
            response = await client.get(path, headers=viewer.auth, params={"limit": "40"})
            codes[response.status_code] += 1
            reads_after_flush += flushed

    async def writer() -> None:
        n = 0
        while not stop.is_set():
            response = await client.post(
                "/api/v1/statuses",
                headers=people[n % PEOPLE].auth,
                data={"status": f"under load, {n}"},
            )
            codes[response.status_code] += 1
            n += 1
            await asyncio.sleep(0.05)

    load = [asyncio.create_task(reader(n)) for n in range(READERS)]
    load.append(asyncio.create_task(writer()))
    await asyncio.sleep(LOAD_SECONDS)
    hot_before_flush = rt.metrics.hot_reads.labels("hot")._value.get()
    await rt.redis.flushall()
    flushed = True
    await asyncio.sleep(LOAD_SECONDS)
    stop.set()
    await asyncio.gather(*load)

    assert reads_after_flush >= PEOPLE, "too little load ran after the flush to prove anything"
    assert set(codes) == {200}, codes
    assert await outbox_and_dead(rt) == (0, 0)
    for person in people:
        await walk(rt, client, person)
    keys = rt.feed_reader.keys("push", [int(p.id) for p in people])
    assert all([await rt.redis.zscore(key, READY) is not None for key in keys])
    rebuilt = rt.metrics.registry.get_sample_value("chirp_feed_rebuilds_total")
    assert rebuilt is not None
    assert rebuilt >= 2 * PEOPLE  # once before the flush, and again after it
    await same_as_the_database_path(rt, client, people)
    # And the hot path answered again once the flush was behind it.
    assert rt.metrics.hot_reads.labels("hot")._value.get() > hot_before_flush
    print(f"{sum(codes.values())} requests, {reads_after_flush} reads after the flush")
