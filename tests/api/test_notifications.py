"""Notifications through HTTP: what makes them, who gets them, and reading and dismissing them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Api, User, post, user


async def on_status(api: Api, actor: User, action: str, status_id: str) -> None:
    response = await api.client.post(f"/api/v1/statuses/{status_id}/{action}", headers=actor.auth)
    assert response.status_code == 200, response.text


async def on_account(api: Api, actor: User, action: str, target: User, **data: str) -> None:
    response = await api.client.post(
        f"/api/v1/accounts/{target.id}/{action}", headers=actor.auth, data=data
    )
    assert response.status_code == 200, response.text


async def notifications(api: Api, viewer: User, **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/notifications", params=params, headers=viewer.auth)
    assert response.status_code == 200, response.text
    return list(response.json())


async def kinds(api: Api, viewer: User, **params: Any) -> list[tuple[str, str]]:
    """(type, from account id) of each notification, newest first."""
    return [(n["type"], n["account"]["id"]) for n in await notifications(api, viewer, **params)]


async def everything_happens_to(api: Api, alice: User, bob: User) -> dict[str, str]:
    """Bob follows, mentions, favourites and reblogs alice; answers the statuses involved."""
    await on_account(api, bob, "follow", alice)
    mention = await post(api, bob, "@alice hello")
    by_alice = await post(api, alice, "my post")
    await on_status(api, bob, "favourite", by_alice)
    await on_status(api, bob, "reblog", by_alice)
    return {"mention": mention, "by_alice": by_alice}


# What makes a notification


async def test_a_mention_notifies_the_mentioned_account(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    status = await post(api, bob, "hi @alice")
    [note] = await notifications(api, alice)
    assert note["type"] == "mention"
    assert note["account"]["id"] == bob.id
    assert note["status"]["id"] == status
    assert isinstance(note["id"], str) and isinstance(note["created_at"], str)
    assert await notifications(api, bob) == []


async def test_a_reblog_notifies_the_author_about_the_original(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    status = await post(api, alice, "share me")
    await on_status(api, bob, "reblog", status)
    [note] = await notifications(api, alice)
    assert note["type"] == "reblog"
    assert note["account"]["id"] == bob.id
    assert note["status"]["id"] == status


async def test_a_favourite_notifies_the_author(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    status = await post(api, alice, "like me")
    await on_status(api, bob, "favourite", status)
    [note] = await notifications(api, alice)
    assert note["type"] == "favourite"
    assert note["account"]["id"] == bob.id
    assert note["status"]["id"] == status


async def test_favouriting_twice_notifies_once(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    status = await post(api, alice, "like me")
    await on_status(api, bob, "favourite", status)
    await on_status(api, bob, "favourite", status)
    assert await kinds(api, alice) == [("favourite", bob.id)]


async def test_a_follow_notifies_the_followed_account(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await on_account(api, bob, "follow", alice)
    [note] = await notifications(api, alice)
    assert note["type"] == "follow"
    assert note["account"]["id"] == bob.id
    assert note.get("status") is None


async def test_a_follow_request_notifies_a_locked_account(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.auth, data={"locked": "true"}
    )
    assert response.status_code == 200
    await on_account(api, bob, "follow", alice)
    assert await kinds(api, alice) == [("follow_request", bob.id)]


async def test_an_edit_notifies_those_who_reblogged_the_status(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    status = await post(api, alice, "first draft")
    await on_status(api, bob, "reblog", status)
    await on_status(api, carol, "favourite", status)
    response = await api.client.put(
        f"/api/v1/statuses/{status}", headers=alice.auth, data={"status": "second draft"}
    )
    assert response.status_code == 200, response.text
    [note] = await notifications(api, bob)
    assert note["type"] == "update"
    assert note["account"]["id"] == alice.id
    assert note["status"]["id"] == status
    assert "second draft" in note["status"]["content"]
    assert await kinds(api, carol) == []


async def test_an_edit_does_not_mention_the_already_mentioned_again(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    status = await post(api, bob, "@alice first draft")
    response = await api.client.put(
        f"/api/v1/statuses/{status}", headers=bob.auth, data={"status": "@alice second draft"}
    )
    assert response.status_code == 200, response.text
    assert await kinds(api, alice) == [("mention", bob.id)]


async def test_a_post_notifies_followers_who_asked_for_it(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await on_account(api, alice, "follow", bob, notify="true")
    await on_account(api, carol, "follow", bob)
    status = await post(api, bob, "news")
    [note] = await notifications(api, alice)
    assert note["type"] == "status"
    assert note["account"]["id"] == bob.id
    assert note["status"]["id"] == status
    assert await kinds(api, carol) == []


async def test_reblogs_and_replies_to_others_make_no_status_notification(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await on_account(api, alice, "follow", bob, notify="true")
    by_carol = await post(api, carol, "a thought")
    await on_status(api, bob, "reblog", by_carol)
    await post(api, bob, "@carol a reply", in_reply_to_id=by_carol)
    assert await kinds(api, alice) == []


async def test_a_private_mention_never_reaches_an_unmentioned_follower(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await on_account(api, alice, "follow", bob)
    await on_account(api, carol, "follow", bob)
    await post(api, bob, "@alice between us", visibility="private")
    assert await kinds(api, alice) == [("mention", bob.id)]
    assert await kinds(api, carol) == []


# Who never gets one


async def test_acting_on_oneself_notifies_nobody(api: Api) -> None:
    alice = await user(api, "alice")
    status = await post(api, alice, "talking to @alice")
    await on_status(api, alice, "favourite", status)
    await on_status(api, alice, "reblog", status)
    await api.client.put(
        f"/api/v1/statuses/{status}", headers=alice.auth, data={"status": "edited @alice"}
    )
    assert await notifications(api, alice) == []


async def test_a_blocked_account_cannot_notify_you(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await on_account(api, alice, "block", bob)
    await post(api, bob, "@alice hey")
    assert await notifications(api, alice) == []


async def test_a_muted_account_cannot_notify_you(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    by_alice = await post(api, alice, "mine")
    await on_account(api, alice, "mute", bob)
    await on_status(api, bob, "favourite", by_alice)
    await on_status(api, bob, "reblog", by_alice)
    await on_account(api, bob, "follow", alice)
    await post(api, bob, "@alice hey")
    assert await notifications(api, alice) == []


async def test_blocking_takes_away_the_blocked_accounts_notifications(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await post(api, bob, "@alice hey")
    await post(api, carol, "@alice hi")
    await on_account(api, alice, "block", bob)
    assert await kinds(api, alice) == [("mention", carol.id)]


async def test_a_mute_that_keeps_notifications_lets_them_through(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await on_account(api, alice, "mute", bob, notifications="false")
    await post(api, bob, "@alice hey")
    assert await kinds(api, alice) == [("mention", bob.id)]


# Reading and filtering


async def test_notifications_are_listed_newest_first(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await everything_happens_to(api, alice, bob)
    assert await kinds(api, alice) == [
        ("reblog", bob.id),
        ("favourite", bob.id),
        ("mention", bob.id),
        ("follow", bob.id),
    ]


async def test_types_keeps_only_the_given_types(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await everything_happens_to(api, alice, bob)
    response = await api.client.get(
        "/api/v1/notifications?types[]=mention&types[]=follow", headers=alice.auth
    )
    assert [n["type"] for n in response.json()] == ["mention", "follow"]


async def test_exclude_types_leaves_the_given_types_out(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await everything_happens_to(api, alice, bob)
    response = await api.client.get(
        "/api/v1/notifications?exclude_types[]=favourite&exclude_types[]=reblog",
        headers=alice.auth,
    )
    assert [n["type"] for n in response.json()] == ["mention", "follow"]


async def test_account_id_keeps_only_that_accounts_notifications(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await post(api, bob, "@alice from bob")
    await post(api, carol, "@alice from carol")
    assert await kinds(api, alice, account_id=bob.id) == [("mention", bob.id)]


async def test_notifications_page_through_the_link_header(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    for n in range(5):
        await post(api, bob, f"@alice number {n}")
    everything = [n["id"] for n in await notifications(api, alice)]
    seen: list[str] = []
    url = "/api/v1/notifications?limit=2"
    for _ in range(10):
        response = await api.client.get(url, headers=alice.auth)
        page = [n["id"] for n in response.json()]
        if not page:
            break
        seen += page
        if "next" not in response.links:
            break
        url = response.links["next"]["url"]
    assert len(everything) == 5
    assert seen == everything


async def test_notifications_need_a_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/notifications")
    assert response.status_code == 401


async def test_one_notification_by_id(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await post(api, bob, "@alice hi")
    [listed] = await notifications(api, alice)
    response = await api.client.get(f"/api/v1/notifications/{listed['id']}", headers=alice.auth)
    assert response.status_code == 200
    assert response.json() == listed


async def test_another_accounts_notification_is_404(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await post(api, bob, "@alice hi")
    [listed] = await notifications(api, alice)
    response = await api.client.get(f"/api/v1/notifications/{listed['id']}", headers=bob.auth)
    assert response.status_code == 404
    unknown = await api.client.get("/api/v1/notifications/123456789", headers=alice.auth)
    assert unknown.status_code == 404


# Dismissing


async def test_clear_dismisses_every_notification_of_the_viewer_only(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await everything_happens_to(api, alice, bob)
    await post(api, alice, "@bob hello back")
    response = await api.client.post("/api/v1/notifications/clear", headers=alice.auth)
    assert response.status_code == 200
    assert response.json() == {}
    assert await notifications(api, alice) == []
    assert await kinds(api, bob) == [("mention", alice.id)]


async def test_dismiss_removes_one_notification(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await post(api, bob, "@alice one")
    await post(api, bob, "@alice two")
    newest, oldest = await notifications(api, alice)
    response = await api.client.post(
        f"/api/v1/notifications/{newest['id']}/dismiss", headers=alice.auth
    )
    assert response.status_code == 200
    assert [n["id"] for n in await notifications(api, alice)] == [oldest["id"]]
    gone = await api.client.get(f"/api/v1/notifications/{newest['id']}", headers=alice.auth)
    assert gone.status_code == 404


async def test_dismissing_another_accounts_notification_is_404_and_keeps_it(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await post(api, bob, "@alice one")
    [note] = await notifications(api, alice)
    response = await api.client.post(
        f"/api/v1/notifications/{note['id']}/dismiss", headers=bob.auth
    )
    assert response.status_code == 404
    assert [n["id"] for n in await notifications(api, alice)] == [note["id"]]


# Undoing what made them


async def test_deleting_a_status_removes_the_notifications_about_it(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    status = await post(api, alice, "@carol soon gone")
    await on_status(api, bob, "favourite", status)
    await on_status(api, bob, "reblog", status)
    kept = await post(api, alice, "staying")
    await on_status(api, bob, "favourite", kept)
    response = await api.client.delete(f"/api/v1/statuses/{status}", headers=alice.auth)
    assert response.status_code == 200, response.text
    remaining = await notifications(api, alice)
    assert [(n["type"], n["status"]["id"]) for n in remaining] == [("favourite", kept)]
    assert await notifications(api, carol) == []


async def test_unfavouriting_removes_the_favourite_notification(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    status = await post(api, alice, "like me")
    await on_status(api, bob, "favourite", status)
    await on_status(api, bob, "unfavourite", status)
    assert await notifications(api, alice) == []


async def test_unfollowing_removes_the_follow_notification(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await on_account(api, bob, "follow", alice)
    await on_account(api, bob, "unfollow", alice)
    assert await notifications(api, alice) == []
