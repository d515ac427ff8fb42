"""No N+1: a home-timeline page costs the same number of SQL statements for 1 status as for 40.

The page mixes what hydration has to fetch: reblogs (whose originals live on another shard on
PostgreSQL), replies, mentions, hashtags, media attachments, and the viewer's own favourites,
reblogs and bookmarks. Statements are counted at the driver, for the whole request (token lookup,
relations, the timeline, hydration).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from chirp.db.shards import shard_for_key
from chirp.runtime import Runtime
from tests import media_files
from tests.conftest import Api, bearer


@contextmanager
def counting(rt: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engines = [p.engine.sync_engine for p in rt.shards.physical]
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


async def test_a_home_page_of_1_and_of_40_cost_the_same_statements(api: Api, rt: Runtime) -> None:
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

    # The first read of a push or hybrid home builds the viewer's feed: count warm reads.
    await client.get("/api/v1/timelines/home", headers=bearer(viewer))
    pages = {}
    for limit in (1, 40):
        with counting(rt) as statements:
            response = await client.get(
                "/api/v1/timelines/home", params={"limit": limit}, headers=bearer(viewer)
            )
        assert response.status_code == 200
        # The token lookup is cached for a few seconds, so it may or may not show up here.
        page_statements = [s for s in statements if "FROM access_token" not in s]
        pages[limit] = (response.json(), len(page_statements))

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
