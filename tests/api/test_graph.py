"""Follows, follow requests, blocks and mutes through HTTP, and the lists and counts they make."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Api, FakeClock, User, user

RELATIONSHIP_FIELDS = {
    "id": str,
    "following": bool,
    "showing_reblogs": bool,
    "notifying": bool,
    "followed_by": bool,
    "blocking": bool,
    "blocked_by": bool,
    "muting": bool,
    "muting_notifications": bool,
    "requested": bool,
    "requested_by": bool,
    "domain_blocking": bool,
    "endorsed": bool,
    "note": str,
}
UNKNOWN_ID = "123456789"


async def act(
    api: Api, actor: User, action: str, target: User | str, **data: str
) -> httpx.Response:
    target_id = target if isinstance(target, str) else target.id
    return await api.client.post(
        f"/api/v1/accounts/{target_id}/{action}", headers=actor.auth, data=data
    )


async def ok(api: Api, actor: User, action: str, target: User, **data: str) -> dict[str, Any]:
    response = await act(api, actor, action, target, **data)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def relationship(api: Api, viewer: User, target: User) -> dict[str, Any]:
    response = await api.client.get(
        "/api/v1/accounts/relationships", params={"id[]": target.id}, headers=viewer.auth
    )
    assert response.status_code == 200, response.text
    [found] = response.json()
    return dict(found)


async def counts(api: Api, account: User) -> tuple[int, int]:
    """(followers_count, following_count) from the public Account entity."""
    body = (await api.client.get(f"/api/v1/accounts/{account.id}")).json()
    return body["followers_count"], body["following_count"]


async def lock(api: Api, account: User) -> None:
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=account.auth, data={"locked": "true"}
    )
    assert response.json()["locked"] is True


async def listed(api: Api, viewer: User, path: str) -> list[str]:
    response = await api.client.get(path, headers=viewer.auth)
    assert response.status_code == 200, response.text
    return [account["id"] for account in response.json()]


async def walk(api: Api, url: str, viewer: User | None = None) -> list[list[str]]:
    """Every page, following rel="next" the way Mastodon.py's fetch_next does."""
    headers = viewer.auth if viewer else {}
    pages: list[list[str]] = []
    while True:
        response = await api.client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        page = [item["id"] for item in response.json()]
        if not page:
            return pages
        pages.append(page)
        if "next" not in response.links:
            return pages
        url = response.links["next"]["url"]
        assert len(pages) < 50, "paging does not end"


# Follow and unfollow


async def test_follow_answers_a_relationship_with_every_field(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    body = await ok(api, alice, "follow", bob)
    for name, kind in RELATIONSHIP_FIELDS.items():
        assert isinstance(body.get(name), kind), f"{name}: {body.get(name)!r}"
    assert body["id"] == bob.id
    assert body["following"] is True
    assert body["showing_reblogs"] is True
    assert body["notifying"] is False
    assert body["requested"] is False and body["followed_by"] is False


async def test_follow_with_reblogs_off_and_notify_on_is_reflected(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    body = await ok(api, alice, "follow", bob, reblogs="false", notify="true")
    assert body["following"] is True
    assert body["showing_reblogs"] is False
    assert body["notifying"] is True
    again = await relationship(api, alice, bob)
    assert again["showing_reblogs"] is False and again["notifying"] is True


async def test_following_again_changes_the_options_but_not_the_counts(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "follow", bob)
    body = await ok(api, alice, "follow", bob, reblogs="false")
    assert body["following"] is True and body["showing_reblogs"] is False
    assert await counts(api, bob) == (1, 0)
    assert await counts(api, alice) == (0, 1)


async def test_the_followed_account_sees_followed_by(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "follow", bob)
    seen_by_bob = await relationship(api, bob, alice)
    assert seen_by_bob["followed_by"] is True
    assert seen_by_bob["following"] is False


async def test_unfollow_ends_the_follow(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "follow", bob)
    body = await ok(api, alice, "unfollow", bob)
    assert body["following"] is False
    assert (await relationship(api, bob, alice))["followed_by"] is False
    assert await listed(api, alice, f"/api/v1/accounts/{bob.id}/followers") == []


async def test_following_yourself_is_forbidden(api: Api) -> None:
    alice = await user(api, "alice")
    response = await act(api, alice, "follow", alice)
    assert response.status_code == 403
    assert await counts(api, alice) == (0, 0)


@pytest.mark.parametrize("action", ["follow", "unfollow", "block", "unblock", "mute", "unmute"])
async def test_acting_on_an_unknown_account_is_404(api: Api, action: str) -> None:
    alice = await user(api, "alice")
    response = await act(api, alice, action, UNKNOWN_ID)
    assert response.status_code == 404
    assert response.json() == {"error": "Record not found"}


@pytest.mark.parametrize("collection", ["followers", "following"])
async def test_the_lists_of_an_unknown_account_are_404(api: Api, collection: str) -> None:
    alice = await user(api, "alice")
    response = await api.client.get(
        f"/api/v1/accounts/{UNKNOWN_ID}/{collection}", headers=alice.auth
    )
    assert response.status_code == 404


@pytest.mark.parametrize("verb", ["authorize", "reject"])
async def test_answering_a_follow_request_nobody_made_is_404(api: Api, verb: str) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    for target in (bob.id, UNKNOWN_ID):
        response = await api.client.post(
            f"/api/v1/follow_requests/{target}/{verb}", headers=alice.auth
        )
        assert response.status_code == 404, target


# Locked accounts and follow requests


async def test_following_a_locked_account_makes_a_request(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await lock(api, bob)
    body = await ok(api, alice, "follow", bob)
    assert body["requested"] is True
    assert body["following"] is False
    assert (await relationship(api, bob, alice))["requested_by"] is True
    assert await counts(api, bob) == (0, 0)


async def test_follow_requests_lists_the_requester(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await lock(api, bob)
    await ok(api, alice, "follow", bob)
    await ok(api, carol, "follow", bob)
    assert await listed(api, bob, "/api/v1/follow_requests") == [carol.id, alice.id]
    assert await listed(api, alice, "/api/v1/follow_requests") == []


async def test_authorizing_a_request_makes_the_follow(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await lock(api, bob)
    await ok(api, alice, "follow", bob, reblogs="false")
    response = await api.client.post(
        f"/api/v1/follow_requests/{alice.id}/authorize", headers=bob.auth
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == alice.id
    assert response.json()["followed_by"] is True
    assert response.json()["requested_by"] is False
    seen_by_alice = await relationship(api, alice, bob)
    assert seen_by_alice["following"] is True and seen_by_alice["requested"] is False
    assert seen_by_alice["showing_reblogs"] is False
    assert await listed(api, bob, "/api/v1/follow_requests") == []
    assert await counts(api, bob) == (1, 0)
    assert await counts(api, alice) == (0, 1)


async def test_rejecting_a_request_removes_it(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await lock(api, bob)
    await ok(api, alice, "follow", bob)
    response = await api.client.post(f"/api/v1/follow_requests/{alice.id}/reject", headers=bob.auth)
    assert response.status_code == 200, response.text
    assert response.json()["followed_by"] is False
    assert response.json()["requested_by"] is False
    seen_by_alice = await relationship(api, alice, bob)
    assert seen_by_alice["requested"] is False and seen_by_alice["following"] is False
    assert await listed(api, bob, "/api/v1/follow_requests") == []
    assert await counts(api, bob) == (0, 0)


async def test_unfollow_withdraws_a_pending_request(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await lock(api, bob)
    await ok(api, alice, "follow", bob)
    body = await ok(api, alice, "unfollow", bob)
    assert body["requested"] is False
    assert await listed(api, bob, "/api/v1/follow_requests") == []


# Blocks


async def test_block_ends_follows_both_ways(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "follow", bob)
    await ok(api, bob, "follow", alice)
    body = await ok(api, alice, "block", bob)
    assert body["blocking"] is True
    assert body["following"] is False and body["followed_by"] is False
    seen_by_bob = await relationship(api, bob, alice)
    assert seen_by_bob["blocked_by"] is True
    assert seen_by_bob["following"] is False and seen_by_bob["followed_by"] is False
    assert await counts(api, alice) == (0, 0)
    assert await counts(api, bob) == (0, 0)


async def test_block_withdraws_a_pending_follow_request(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await lock(api, alice)
    await ok(api, bob, "follow", alice)
    await ok(api, alice, "block", bob)
    assert await listed(api, alice, "/api/v1/follow_requests") == []
    assert (await relationship(api, bob, alice))["requested"] is False


async def test_a_blocked_account_cannot_follow_the_blocker(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "block", bob)
    response = await act(api, bob, "follow", alice)
    assert response.status_code == 403
    assert (await relationship(api, bob, alice))["following"] is False
    assert await counts(api, alice) == (0, 0)


async def test_the_blocker_cannot_follow_whom_it_blocks(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "block", bob)
    response = await act(api, alice, "follow", bob)
    assert response.status_code == 403
    assert await counts(api, bob) == (0, 0)


async def test_unblock_lifts_the_block_without_restoring_follows(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, bob, "follow", alice)
    await ok(api, alice, "block", bob)
    body = await ok(api, alice, "unblock", bob)
    assert body["blocking"] is False
    assert body["followed_by"] is False
    assert (await relationship(api, bob, alice))["blocked_by"] is False
    assert (await ok(api, bob, "follow", alice))["following"] is True


async def test_blocks_lists_blocked_accounts_until_unblocked(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await ok(api, alice, "block", bob)
    await ok(api, alice, "block", carol)
    assert await listed(api, alice, "/api/v1/blocks") == [carol.id, bob.id]
    assert await listed(api, bob, "/api/v1/blocks") == []
    await ok(api, alice, "unblock", carol)
    assert await listed(api, alice, "/api/v1/blocks") == [bob.id]


# Mutes


async def test_mute_hides_notifications_by_default(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    body = await ok(api, alice, "mute", bob)
    assert body["muting"] is True
    assert body["muting_notifications"] is True
    assert (await relationship(api, bob, alice))["muting"] is False


async def test_mute_can_leave_notifications_on(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    body = await ok(api, alice, "mute", bob, notifications="false")
    assert body["muting"] is True
    assert body["muting_notifications"] is False


async def test_mute_keeps_the_follow(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "follow", bob)
    body = await ok(api, alice, "mute", bob)
    assert body["muting"] is True and body["following"] is True
    assert await counts(api, bob) == (1, 0)


async def test_unmute_ends_the_mute(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "mute", bob)
    body = await ok(api, alice, "unmute", bob)
    assert body["muting"] is False and body["muting_notifications"] is False
    assert await listed(api, alice, "/api/v1/mutes") == []


async def test_mutes_lists_muted_accounts(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await ok(api, alice, "mute", bob)
    await ok(api, alice, "mute", carol)
    assert await listed(api, alice, "/api/v1/mutes") == [carol.id, bob.id]
    assert await listed(api, carol, "/api/v1/mutes") == []


async def test_a_timed_mute_says_when_it_expires(api: Api, clock: FakeClock) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "mute", bob, duration="3600")
    [muted] = (await api.client.get("/api/v1/mutes", headers=alice.auth)).json()
    assert muted.get("mute_expires_at"), f"no mute_expires_at in {sorted(muted)}"
    expires = datetime.fromisoformat(muted["mute_expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (clock.moment + timedelta(hours=1))) < timedelta(seconds=1)


async def test_an_expired_mute_no_longer_counts(api: Api, clock: FakeClock) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "mute", bob, duration="60")
    assert (await relationship(api, alice, bob))["muting"] is True
    clock.advance(seconds=61)
    after = await relationship(api, alice, bob)
    assert after["muting"] is False and after["muting_notifications"] is False
    assert await listed(api, alice, "/api/v1/mutes") == []


async def test_a_mute_without_duration_does_not_expire(api: Api, clock: FakeClock) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "mute", bob)
    clock.advance(days=3650)
    assert (await relationship(api, alice, bob))["muting"] is True
    assert await listed(api, alice, "/api/v1/mutes") == [bob.id]


# Relationships


async def test_relationships_answers_each_requested_account(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await ok(api, alice, "follow", bob, notify="true")
    await ok(api, carol, "follow", alice)
    await ok(api, alice, "mute", carol, notifications="false")
    response = await api.client.get(
        f"/api/v1/accounts/relationships?id[]={bob.id}&id[]={carol.id}", headers=alice.auth
    )
    assert response.status_code == 200
    by_id = {r["id"]: r for r in response.json()}
    assert set(by_id) == {bob.id, carol.id}
    for found in by_id.values():
        for name, kind in RELATIONSHIP_FIELDS.items():
            assert isinstance(found.get(name), kind), f"{name}: {found.get(name)!r}"
    expected_bob = dict.fromkeys(RELATIONSHIP_FIELDS, False) | {
        "id": bob.id,
        "following": True,
        "showing_reblogs": True,
        "notifying": True,
        "note": "",
    }
    expected_carol = dict.fromkeys(RELATIONSHIP_FIELDS, False) | {
        "id": carol.id,
        "followed_by": True,
        "muting": True,
        "note": "",
    }
    assert {k: by_id[bob.id][k] for k in RELATIONSHIP_FIELDS} == expected_bob
    assert {k: by_id[carol.id][k] for k in RELATIONSHIP_FIELDS} == expected_carol


async def test_relationships_leaves_unknown_ids_out(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    response = await api.client.get(
        "/api/v1/accounts/relationships",
        params=[("id[]", UNKNOWN_ID), ("id[]", bob.id)],
        headers=alice.auth,
    )
    assert [r["id"] for r in response.json()] == [bob.id]


async def test_relationships_needs_a_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/accounts/relationships", params={"id[]": "1"})
    assert response.status_code == 401


# Followers and following


async def test_followers_and_following_list_the_accounts(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await ok(api, bob, "follow", alice)
    await ok(api, carol, "follow", alice)
    await ok(api, alice, "follow", carol)
    followers = (await api.client.get(f"/api/v1/accounts/{alice.id}/followers")).json()
    assert [a["id"] for a in followers] == [carol.id, bob.id]
    assert followers[0]["username"] == "carol"
    following = (await api.client.get(f"/api/v1/accounts/{alice.id}/following")).json()
    assert [a["id"] for a in following] == [carol.id]


@pytest.mark.parametrize("collection", ["followers", "following"])
async def test_follow_lists_page_through_the_link_header_without_repeats(
    api: Api, collection: str
) -> None:
    hub = await user(api, "hub")
    others = [await user(api, f"user{n}") for n in range(5)]
    for other in others:
        if collection == "followers":
            await ok(api, other, "follow", hub)
        else:
            await ok(api, hub, "follow", other)
    pages = await walk(api, f"/api/v1/accounts/{hub.id}/{collection}?limit=2", hub)
    assert [len(page) for page in pages] == [2, 2, 1]
    seen = [account_id for page in pages for account_id in page]
    assert seen == [other.id for other in reversed(others)]


async def test_follow_lists_link_prev_returns_newer_entries(api: Api) -> None:
    hub = await user(api, "hub")
    others = [await user(api, f"user{n}") for n in range(4)]
    for other in others:
        await ok(api, other, "follow", hub)
    first = await api.client.get(f"/api/v1/accounts/{hub.id}/followers?limit=2")
    second = await api.client.get(first.links["next"]["url"])
    assert [a["id"] for a in second.json()] == [others[1].id, others[0].id]
    back = await api.client.get(second.links["prev"]["url"])
    assert [a["id"] for a in back.json()] == [others[3].id, others[2].id]


# Counts


async def test_counts_stay_exact_through_follow_unfollow_and_block(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "follow", bob)
    await ok(api, alice, "follow", bob)
    assert await counts(api, alice) == (0, 1)
    assert await counts(api, bob) == (1, 0)
    await ok(api, alice, "unfollow", bob)
    await ok(api, alice, "unfollow", bob)
    assert await counts(api, alice) == (0, 0)
    assert await counts(api, bob) == (0, 0)
    await ok(api, alice, "follow", bob)
    await ok(api, bob, "follow", alice)
    await ok(api, bob, "block", alice)
    await ok(api, bob, "block", alice)
    assert await counts(api, alice) == (0, 0)
    assert await counts(api, bob) == (0, 0)


async def test_counts_in_the_relationship_owners_own_account_match(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "follow", bob)
    me = (await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.auth)).json()
    assert (me["followers_count"], me["following_count"]) == (0, 1)


async def test_twenty_concurrent_follows_of_one_account_are_all_counted(api: Api) -> None:
    star = await user(api, "star")
    fans = [await user(api, f"fan{n}") for n in range(20)]
    responses = await asyncio.gather(*(act(api, fan, "follow", star) for fan in fans))
    assert [r.status_code for r in responses] == [200] * 20
    assert await counts(api, star) == (20, 0)
    for fan in fans:
        assert await counts(api, fan) == (0, 1)
    pages = await walk(api, f"/api/v1/accounts/{star.id}/followers?limit=80", star)
    assert sorted(account for page in pages for account in page) == sorted(f.id for f in fans)


async def test_concurrent_repeats_of_one_follow_count_once(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    responses = await asyncio.gather(*(act(api, alice, "follow", bob) for _ in range(5)))
    assert {r.status_code for r in responses} == {200}
    assert await counts(api, bob) == (1, 0)
    assert await counts(api, alice) == (0, 1)


async def test_concurrent_repeats_of_one_unfollow_count_once(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await ok(api, alice, "follow", bob)
    responses = await asyncio.gather(*(act(api, alice, "unfollow", bob) for _ in range(5)))
    assert {r.status_code for r in responses} == {200}
    assert await counts(api, bob) == (0, 0)
    assert await counts(api, alice) == (0, 0)
