"""A change is seen by the very next hot read, on every hot path, answered from memory.

Each test warms the hot store (the same reads twice), makes one change through the API, and
reads again: the page shows the change, is what the database path answers, and the hot path
answered it itself (its hit count grew), so what it held was dropped rather than served
stale. On PostgreSQL + Redis the reads go through a second runtime (another process,
following the change log) as well.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from chirp.app import create_app
from chirp.runtime import Runtime
from tests.conftest import Api, User, post, user


class Readers:
    """Clients of the hot path in this process and, with Redis, in another one; and one of
    the database path."""

    def __init__(
        self, clients: list[tuple[Runtime, httpx.AsyncClient]], database: httpx.AsyncClient
    ) -> None:
        self.clients = clients
        self.database = database

    def hits(self) -> list[float]:
        return [rt.metrics.hot_reads.labels("hot")._value.get() for rt, _ in self.clients]

    async def get(self, path: str, viewer: User | None) -> list[Any]:
        """The page from every reader (each read twice: the first may fill)."""
        headers = viewer.auth if viewer else {}
        pages = []
        for _, client in [*self.clients, (None, self.database)]:
            await client.get(path, headers=headers)
            answer = await client.get(path, headers=headers)
            pages.append(answer.json() if answer.status_code == 200 else answer.status_code)
        assert all(page == pages[-1] for page in pages), path
        return pages


def _client(app: Any, base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


@pytest.fixture
async def readers(rt: Runtime, client: httpx.AsyncClient) -> AsyncIterator[Readers]:
    base = str(client.base_url)
    clients = [(rt, client)]
    other = None
    if rt.settings.redis_url:
        other = Runtime.build(rt.settings.model_copy(update={"node_id": 5}))
        other.clock = rt.clock
        clients.append((other, _client(create_app(runtime=other), base)))
    database = _client(create_app(runtime=rt, hot=False), base)
    yield Readers(clients, database)
    await database.aclose()
    if other is not None:
        await clients[1][1].aclose()
        await other.close()


def ids(page: Any) -> list[str]:
    return [s["id"] for s in page] if isinstance(page, list) else []


async def act(api: Api, who: User, path: str, **data: str) -> None:
    response = await api.client.post(path, headers=who.auth, data=data or None)
    assert response.status_code == 200, response.text


async def scene(api: Api) -> tuple[dict[str, User], str]:
    people = {name: await user(api, name) for name in ("alice", "bob")}
    await act(api, people["alice"], f"/api/v1/accounts/{people['bob'].id}/follow")
    status = await post(api, people["bob"], "hello #cats")
    return people, status


def paths(people: dict[str, User], status: str) -> list[str]:
    return [
        "/api/v1/timelines/home",
        "/api/v1/timelines/public",
        "/api/v1/timelines/tag/cats",
        f"/api/v1/accounts/{people['bob'].id}/statuses",
        f"/api/v1/statuses/{status}",
    ]


@pytest.mark.parametrize("change", ["block", "mute", "delete"])
async def test_a_hiding_change_takes_the_status_off_every_hot_page(
    api: Api, readers: Readers, change: str
) -> None:
    people, status = await scene(api)
    alice, bob = people["alice"], people["bob"]
    for path in paths(people, status):
        page = (await readers.get(path, alice))[0]
        assert status in ids(page) or (isinstance(page, dict) and page["id"] == status), path
    if change == "delete":
        response = await api.client.delete(f"/api/v1/statuses/{status}", headers=bob.auth)
        assert response.status_code == 200
    else:
        await act(api, alice, f"/api/v1/accounts/{bob.id}/{change}")
    before = readers.hits()
    for path in paths(people, status):
        page = (await readers.get(path, alice))[0]
        if path.endswith(status):
            # Only a delete hides the status itself from the one who blocked or muted.
            assert (page == 404) == (change == "delete"), path
            continue
        if change == "mute" and "/accounts/" in path:
            assert status in ids(page)  # mutes do not hide an account's own page
            continue
        assert status not in ids(page), (change, path)
    # Answered by the hot path (the delete's 404 is the database path's own).
    assert all(after > seen for after, seen in zip(readers.hits(), before, strict=True))


async def test_an_edit_is_seen_at_once_on_every_hot_page(api: Api, readers: Readers) -> None:
    people, status = await scene(api)
    alice, bob = people["alice"], people["bob"]
    for path in paths(people, status):
        await readers.get(path, alice)
    response = await api.client.put(
        f"/api/v1/statuses/{status}", headers=bob.auth, data={"status": "edited #dogs"}
    )
    assert response.status_code == 200
    before = readers.hits()
    for path in paths(people, status):
        page = (await readers.get(path, alice))[0]
        if path.endswith("/tag/cats"):
            assert status not in ids(page)  # it no longer carries the tag
            continue
        entity = page if isinstance(page, dict) else next(s for s in page if s["id"] == status)
        assert "edited" in entity["content"] and entity["edited_at"], path
    assert (await readers.get("/api/v1/timelines/tag/dogs", alice))[0][0]["id"] == status
    assert all(after > seen for after, seen in zip(readers.hits(), before, strict=True))


async def test_an_unfollow_empties_the_home_at_once(api: Api, readers: Readers) -> None:
    people, status = await scene(api)
    alice, bob = people["alice"], people["bob"]
    assert ids((await readers.get("/api/v1/timelines/home", alice))[0]) == [status]
    await act(api, alice, f"/api/v1/accounts/{bob.id}/unfollow")
    assert ids((await readers.get("/api/v1/timelines/home", alice))[0]) == []


async def test_a_follow_shows_private_posts_at_once(api: Api, readers: Readers) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    secret = await post(api, bob, "followers only", visibility="private")
    account = f"/api/v1/accounts/{bob.id}/statuses"
    assert ids((await readers.get(account, alice))[0]) == []
    assert (await readers.get(f"/api/v1/statuses/{secret}", alice))[0] == 404
    await act(api, alice, f"/api/v1/accounts/{bob.id}/follow")
    before = readers.hits()
    assert ids((await readers.get(account, alice))[0]) == [secret]
    assert (await readers.get(f"/api/v1/statuses/{secret}", alice))[0]["id"] == secret
    assert all(after > seen for after, seen in zip(readers.hits(), before, strict=True))


async def test_counters_and_marks_follow_a_favourite_at_once(api: Api, readers: Readers) -> None:
    people, status = await scene(api)
    alice = people["alice"]
    [entity] = [s for s in (await readers.get("/api/v1/timelines/public", alice))[0]]
    assert (entity["favourites_count"], entity["favourited"]) == (0, False)
    await act(api, alice, f"/api/v1/statuses/{status}/favourite")
    for path in paths(people, status):
        page = (await readers.get(path, alice))[0]
        entity = page if isinstance(page, dict) else next(s for s in page if s["id"] == status)
        assert (entity["favourites_count"], entity["favourited"]) == (1, True), path
    anonymous = (await readers.get("/api/v1/timelines/public", None))[0]
    assert anonymous[0]["favourites_count"] == 1 and "favourited" not in anonymous[0]


async def test_a_post_brings_its_status_author_and_counters_to_every_process(
    api: Api, readers: Readers
) -> None:
    """No process reads a new post back from the database: its entry carries the status,
    its author's account (whose counters the post changed) and its zero counters."""
    people, status = await scene(api)
    alice, bob = people["alice"], people["bob"]
    for path in paths(people, status):
        await readers.get(path, alice)
    for rt, _ in readers.clients:
        rt.hot.store.began -= 60  # processes that have followed the changes for a while
    # (The second process began after bob's last change: it trusts a rendering of bob's
    # account once it has seen a change of it the writer had seen too.)
    await post(api, bob, "again #cats")
    fresh = await post(api, bob, "and again #cats")
    for rt, _ in readers.clients:
        await rt.hot.changes.sync()
        store = rt.hot.store
        assert store.statuses.get(int(fresh)) is not None
        assert store.counts.get(int(fresh)) == (0, 0, 0)
        account = store.accounts.get(int(bob.id))
        assert account is not None and b'"statuses_count":3' in account
    for path in paths(people, status)[:4]:
        assert ids((await readers.get(path, alice))[0])[0] == fresh, path
