"""No N+1: a home-timeline page costs the same number of SQL statements for 1 status as for 40;
and with its entities cached, only the statements that cannot be cached are left. These read
through the database path (the app without the hot read path); a warm page through the hot
path costs no statement at all.

The page mixes what hydration has to fetch: reblogs (whose originals live on another shard on
PostgreSQL), replies, mentions, hashtags, media attachments, and the viewer's own favourites,
reblogs and bookmarks. Statements are counted at the driver, for the whole request (token lookup,
relations, the timeline, hydration).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from chirp.app import create_app
from chirp.db.shards import shard_for_key
from chirp.runtime import Runtime
from tests import media_files
from tests.conftest import Api, bearer


@pytest.fixture
async def database_path(rt: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app without the hot read path: every page from the database path."""
    transport = httpx.ASGITransport(app=create_app(runtime=rt, hot=False))
    async with httpx.AsyncClient(transport=transport, base_url=rt.settings.public_url) as client:
        yield client


@contextmanager
def counting(rt: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engines = [e.sync_engine for p in rt.shards.physical for e in p.engines]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def name_on(rt: Runtime, database: int, prefix: str) -> str:
    """A username whose account lives on the given database (the last one, if fewer)."""
    database = min(database, len(rt.shards.physical) - 1)
    i = 0
    while rt.shards.for_logical(shard_for_key(f"{prefix}{i}")).index != database:
        i += 1
    return f"{prefix}{i}"


async def _id(client: httpx.AsyncClient, token: str) -> str:
    me = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    return str(me.json()["id"])


async def _upload(client: httpx.AsyncClient, token: str) -> str:
    files = {"file": ("p.png", media_files.png(), "image/png")}
    response = await client.post("/api/v2/media", headers=bearer(token), files=files)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def _home_with_everything(api: Api, rt: Runtime) -> str:
    """A viewer whose home has every kind of status hydration fetches; their token."""
    client = api.client
    # On PostgreSQL the booster lives on one database and the writer and outsider on the other.
    viewer = await api.register("viewer")
    writer = await api.register(name_on(rt, 1, "writer"))
    booster = await api.register(name_on(rt, 0, "booster"))
    outsider = await api.register(name_on(rt, 1, "outsider"))
    writer_id, booster_id = await _id(client, writer), await _id(client, booster)
    for target in (writer_id, booster_id):
        await client.post(f"/api/v1/accounts/{target}/follow", headers=bearer(viewer))
    await client.post(f"/api/v1/accounts/{writer_id}/follow", headers=bearer(booster))

    posted = []
    for n in range(30):
        body = {"status": f"post {n} @viewer #chirp{n % 3} https://example.com/{n}"}
        if posted and n % 4 == 0:
            body["in_reply_to_id"] = posted[-1]
        if n % 5 == 0:
            body["media_ids[]"] = await _upload(client, writer)
        response = await client.post("/api/v1/statuses", headers=bearer(writer), data=body)
        posted.append(response.json()["id"])
    for n in range(10):
        await client.post(
            "/api/v1/statuses", headers=bearer(booster), data={"status": f"booster {n} #chirp"}
        )
    for status_id in posted[-12::3]:
        await client.post(f"/api/v1/statuses/{status_id}/favourite", headers=bearer(viewer))
        await client.post(f"/api/v1/statuses/{status_id}/bookmark", headers=bearer(viewer))
    await client.post(f"/api/v1/statuses/{posted[20]}/reblog", headers=bearer(viewer))
    for n in range(10):  # reblogs of someone the viewer does not follow come out on top
        response = await client.post(
            "/api/v1/statuses",
            headers=bearer(outsider),
            data={"status": f"outside {n} #chirp @viewer"},
        )
        await client.post(
            f"/api/v1/statuses/{response.json()['id']}/reblog", headers=bearer(booster)
        )
    return viewer


async def _read_home(
    client: httpx.AsyncClient, rt: Runtime, viewer: str, limit: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """A page of home and the statements it cost (the token lookup left out: it is cached
    for a few seconds, so it may or may not show up)."""
    with counting(rt) as statements:
        response = await client.get(
            "/api/v1/timelines/home", params={"limit": limit}, headers=bearer(viewer)
        )
    assert response.status_code == 200
    return response.json(), [s for s in statements if "FROM access_token" not in s]


async def test_a_home_page_of_1_and_of_40_cost_the_same_statements(
    api: Api, rt: Runtime, database_path: httpx.AsyncClient
) -> None:
    client = database_path
    viewer = await _home_with_everything(api, rt)
    # The first read of a push or hybrid home builds the viewer's feed: count warm reads.
    await client.get("/api/v1/timelines/home", headers=bearer(viewer))
    pages = {}
    for limit in (1, 40):
        await rt.entities.clear()  # hydration's every phase, as on a cold cache
        page, statements = await _read_home(client, rt, viewer, limit)
        pages[limit] = (page, len(statements))

    one, forty = pages[1][0], pages[40][0]
    assert len(one) == 1 and len(forty) == 40
    assert one[0]["reblog"] is not None  # the single item is itself a cross-shard reblog
    kinds = {
        "reblogs": sum(1 for s in forty if s["reblog"]),
        "replies": sum(1 for s in forty if (s["reblog"] or s)["in_reply_to_id"]),
        "mentions": sum(1 for s in forty if (s["reblog"] or s)["mentions"]),
        "tags": sum(1 for s in forty if (s["reblog"] or s)["tags"]),
        "media": sum(1 for s in forty if (s["reblog"] or s)["media_attachments"]),
        "favourited": sum(1 for s in forty if s["favourited"]),
        "bookmarked": sum(1 for s in forty if s["bookmarked"]),
        "reblogged": sum(1 for s in forty if s["reblogged"]),
    }
    assert all(kinds.values()), kinds
    assert pages[1][1] == pages[40][1], (pages[1][1], pages[40][1])
    # And the fixed number is small: a handful of phases, one statement per database each.
    assert pages[40][1] <= 16 * len(rt.shards.physical) + 4


# What a render asks for that the entity cache answers once warm.
CACHEABLE = ("account.username", "FROM status_mention", "FROM status_tag", "FROM media_attachment")


async def test_a_warm_home_page_asks_only_for_what_the_cache_cannot_answer(
    api: Api, rt: Runtime, database_path: httpx.AsyncClient
) -> None:
    client = database_path
    viewer = await _home_with_everything(api, rt)
    await client.get("/api/v1/timelines/home", headers=bearer(viewer))  # builds the feed
    await rt.entities.clear()
    cold, cold_statements = await _read_home(client, rt, viewer, 40)
    warm, warm_statements = await _read_home(client, rt, viewer, 40)

    assert warm == cold and len(warm) == 40
    cacheable = [s for s in cold_statements if any(c in s for c in CACHEABLE)]
    # One statement per database holding any, for accounts, mentions, tags and media.
    assert len(cacheable) >= 4
    assert not [s for s in warm_statements if any(c in s for c in CACHEABLE)]
    assert len(warm_statements) == len(cold_statements) - len(cacheable)
    # What is left: the viewer's marks once (counters come with the page's own rows), and
    # the reblogged originals only once, for the filters (hydration reuses them).
    assert sum("AS kind" in s and "FROM favourite" in s for s in warm_statements) == 1
    originals = {s["reblog"]["id"] for s in warm if s["reblog"]}
    status_reads = [s for s in warm_statements if s.lstrip().startswith("SELECT status.id,")]
    assert originals and len(status_reads) <= 2 * len(rt.shards.physical)


async def test_a_warm_hot_home_page_asks_the_database_nothing(api: Api, rt: Runtime) -> None:
    viewer = await _home_with_everything(api, rt)
    await api.client.get("/api/v1/timelines/home", headers=bearer(viewer))  # builds the feed
    cold, cold_statements = await _read_home(api.client, rt, viewer, 40)
    warm, warm_statements = await _read_home(api.client, rt, viewer, 40)
    assert warm == cold and len(warm) == 40
    assert cold_statements  # the first read filled what the hot path holds
    assert warm_statements == []
