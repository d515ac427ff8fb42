"""What a write changes shows on the very next read, with every entity of it cached before.

Each test reads first (filling the entity cache: asserted, so the read after the write cannot
be a miss by accident), writes through the API, and reads again.
"""

from __future__ import annotations

from typing import Any

from chirp.core.entities import Kind
from chirp.runtime import Runtime
from tests.conftest import Api, User, post, user


async def _status(api: Api, status_id: str, reader: User) -> dict[str, Any]:
    response = await api.client.get(f"/api/v1/statuses/{status_id}", headers=reader.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _warm(api: Api, rt: Runtime, status_id: str, reader: User) -> dict[str, Any]:
    entity = await _status(api, status_id, reader)
    author = int(entity["account"]["id"])
    assert await rt.entities.get_many(Kind.status, [int(status_id)])
    assert await rt.entities.get_many(Kind.account, [author])
    return entity


async def _public(api: Api) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/timelines/public")
    assert response.status_code == 200
    return list(response.json())


async def test_an_edit_shows_on_the_next_read(api: Api, rt: Runtime) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    status_id = await post(api, alice, "before #old")
    await _warm(api, rt, status_id, bob)
    await _public(api)

    response = await api.client.put(
        f"/api/v1/statuses/{status_id}", headers=alice.auth, data={"status": "after #new"}
    )
    assert response.status_code == 200

    shown = await _status(api, status_id, bob)
    assert "after" in shown["content"] and shown["edited_at"] is not None
    assert [t["name"] for t in shown["tags"]] == ["new"]
    assert [s["content"] for s in await _public(api)] == [shown["content"]]


async def test_a_delete_shows_on_the_next_read(api: Api, rt: Runtime) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    kept = await post(api, alice, "kept")
    status_id = await post(api, alice, "gone soon")
    await _warm(api, rt, status_id, bob)
    assert (await _warm(api, rt, kept, bob))["account"]["statuses_count"] == 2

    response = await api.client.delete(f"/api/v1/statuses/{status_id}", headers=alice.auth)
    assert response.status_code == 200

    missing = await api.client.get(f"/api/v1/statuses/{status_id}", headers=bob.auth)
    assert missing.status_code == 404
    assert not await rt.entities.get_many(Kind.status, [int(status_id)])
    assert [s["id"] for s in await _public(api)] == [kept]
    assert (await _status(api, kept, bob))["account"]["statuses_count"] == 1


async def test_a_favourite_count_shows_on_the_next_read(api: Api, rt: Runtime) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    status_id = await post(api, alice, "like me")
    assert (await _warm(api, rt, status_id, alice))["favourites_count"] == 0

    response = await api.client.post(f"/api/v1/statuses/{status_id}/favourite", headers=bob.auth)
    assert response.status_code == 200

    shown = await _status(api, status_id, alice)
    assert shown["favourites_count"] == 1 and shown["favourited"] is False
    assert (await _status(api, status_id, bob))["favourited"] is True


async def test_a_follow_shows_in_both_accounts_on_the_next_read(api: Api, rt: Runtime) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    by_alice, by_bob = await post(api, alice, "alice here"), await post(api, bob, "bob here")
    assert (await _warm(api, rt, by_alice, bob))["account"]["followers_count"] == 0
    assert (await _warm(api, rt, by_bob, bob))["account"]["following_count"] == 0

    response = await api.client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.auth)
    assert response.status_code == 200

    assert (await _status(api, by_alice, bob))["account"]["followers_count"] == 1
    assert (await _status(api, by_bob, bob))["account"]["following_count"] == 1

    response = await api.client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bob.auth)
    assert response.status_code == 200
    assert (await _status(api, by_alice, bob))["account"]["followers_count"] == 0


async def test_a_profile_update_shows_on_the_next_read(api: Api, rt: Runtime) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    status_id = await post(api, alice, "who am I")
    await _warm(api, rt, status_id, bob)

    response = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.auth,
        data={"display_name": "Alice Liddell", "note": "down the hole"},
    )
    assert response.status_code == 200, response.text

    account = (await _status(api, status_id, bob))["account"]
    assert account["display_name"] == "Alice Liddell"
    assert account["note"] == "<p>down the hole</p>"


async def test_posts_and_reblogs_move_the_authors_counters_on_the_next_read(
    api: Api, rt: Runtime
) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    first, mine = await post(api, alice, "one"), await post(api, bob, "mine")
    assert (await _warm(api, rt, first, bob))["account"]["statuses_count"] == 1
    assert (await _warm(api, rt, mine, bob))["account"]["statuses_count"] == 1

    await post(api, alice, "two")
    response = await api.client.post(f"/api/v1/statuses/{first}/reblog", headers=bob.auth)
    assert response.status_code == 200

    assert (await _status(api, first, bob))["account"]["statuses_count"] == 2
    assert (await _status(api, mine, bob))["account"]["statuses_count"] == 2
    assert response.json()["account"]["statuses_count"] == 2


async def test_follower_lists_and_notifications_show_a_profile_update_on_the_next_read(
    api: Api, rt: Runtime
) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    response = await api.client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.auth)
    assert response.status_code == 200

    async def shown() -> list[str]:
        followers = await api.client.get(f"/api/v1/accounts/{bob.id}/followers", headers=bob.auth)
        notifications = await api.client.get("/api/v1/notifications", headers=bob.auth)
        return [a["display_name"] for a in followers.json()] + [
            n["account"]["display_name"] for n in notifications.json()
        ]

    assert await shown() == ["", ""]
    assert await rt.entities.get_many(Kind.account, [int(alice.id)])
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.auth, data={"display_name": "Al"}
    )
    assert response.status_code == 200

    assert await shown() == ["Al", "Al"]
