"""The entity cache changes what a render asks the database for, never what it answers.

Pages mixing originals, reblogs (originals on the other shard on PostgreSQL), replies,
mentions, tags, media and an edited status are rendered without a cache, with a cold one and
with a warm one, for a viewer with marks and for nobody; the JSON must be the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import select

from chirp.core.entities import Entity, EntityCache, Kind, MemoryEntityCache, no_cache
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews
from chirp.runtime import Runtime
from tests import media_files
from tests.conftest import Api, User, post, user
from tests.integration.test_query_count import counting, name_on

# What a render asks for that a warm cache answers.
CACHEABLE = ("account.username", "FROM status_mention", "FROM status_tag", "FROM media_attachment")


async def _upload(api: Api, author: User) -> str:
    files = {"file": ("p.png", media_files.png(), "image/png")}
    response = await api.client.post("/api/v2/media", headers=author.auth, files=files)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def _everything(api: Api, rt: Runtime) -> User:
    """Statuses of every kind; the viewer who marked some of them."""
    viewer = await user(api, "viewer")
    alice = await user(api, name_on(rt, 1, "alice"))
    bob = await user(api, name_on(rt, 0, "bob"))
    first = await post(api, alice, "hello @viewer #chirp https://example.com/x")
    pictured = await post(api, alice, "a picture", **{"media_ids[]": await _upload(api, alice)})
    edited = await post(api, bob, "first take #draft", spoiler_text="cw")
    response = await api.client.put(
        f"/api/v1/statuses/{edited}",
        headers=bob.auth,
        data={"status": "second take @alice #final", "media_ids[]": await _upload(api, bob)},
    )
    assert response.status_code == 200, response.text
    await post(api, bob, "a reply", in_reply_to_id=first)
    for target in (first, pictured, edited):
        response = await api.client.post(f"/api/v1/statuses/{target}/reblog", headers=bob.auth)
        assert response.status_code == 200, response.text
    await api.client.post(f"/api/v1/statuses/{pictured}/reblog", headers=viewer.auth)
    await api.client.post(f"/api/v1/statuses/{first}/favourite", headers=viewer.auth)
    await api.client.post(f"/api/v1/statuses/{edited}/bookmark", headers=viewer.auth)
    own = await post(api, viewer, "mine")
    await api.client.post(f"/api/v1/statuses/{own}/pin", headers=viewer.auth)
    return viewer


async def _render(
    rt: Runtime, cache: EntityCache, viewer: int | None, reblogs_only: bool
) -> tuple[bytes, list[str]]:
    async with rt.uow() as uow:
        query = select(Status.id)
        if reblogs_only:
            query = query.where(Status.reblog_of_id.is_not(None))
        ids = sorted(await uow.everywhere(query), reverse=True)
        rows = await StatusRepository(uow).get_many(ids)
        page = [rows[i] for i in ids]
        with counting(rt) as statements:
            rendered = await StatusViews(uow, rt.settings.public_url, viewer, cache).render(page)
    return orjson.dumps(rendered), statements


async def test_cold_and_warm_pages_are_the_uncached_pages_byte_for_byte(
    api: Api, rt: Runtime
) -> None:
    viewer = int((await _everything(api, rt)).id)
    for who in (viewer, None):
        for reblogs_only in (False, True):
            uncached, _ = await _render(rt, no_cache(), who, reblogs_only)
            await rt.entities.clear()
            cold, cold_statements = await _render(rt, rt.entities, who, reblogs_only)
            warm, warm_statements = await _render(rt, rt.entities, who, reblogs_only)

            assert cold == uncached and warm == uncached
            page = orjson.loads(uncached)
            assert any(s["reblog"] for s in page)
            if not reblogs_only:
                assert any(s["edited_at"] and s["media_attachments"] for s in page)
            assert ("favourited" in page[0]) is (who is not None)
            assert [s for s in cold_statements if any(c in s for c in CACHEABLE)]
            assert not [s for s in warm_statements if any(c in s for c in CACHEABLE)]


async def test_a_cached_status_older_than_its_row_is_built_again(api: Api, rt: Runtime) -> None:
    # A read that loaded the row before an edit committed may store the old text after the
    # edit dropped the key: the row's edited_at tells the two apart.
    author = await user(api, "author")
    status_id = int(await post(api, author, "before"))
    cache = MemoryEntityCache(dict.fromkeys(Kind, 60.0), 100)
    await _render(rt, cache, None, False)
    stale: Entity = (await cache.get_many(Kind.status, [status_id]))[status_id]
    response = await api.client.put(
        f"/api/v1/statuses/{status_id}", headers=author.auth, data={"status": "after"}
    )
    assert response.status_code == 200
    await cache.put_many(Kind.status, {status_id: stale})

    rendered, _ = await _render(rt, cache, None, False)

    assert _contents(orjson.loads(rendered)) == ["<p>after</p>"]


def _contents(page: Sequence[dict[str, Any]]) -> list[str]:
    return [s["content"] for s in page]
