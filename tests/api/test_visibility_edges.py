"""Edges of visibility and paging that a code review found: each one a leak or a dead end."""

from __future__ import annotations

import httpx

from tests.conftest import Api, bearer


async def _me(client: httpx.AsyncClient, token: str) -> str:
    response = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    return str(response.json()["id"])


async def _post(client: httpx.AsyncClient, token: str, text: str, **extra: str) -> str:
    response = await client.post(
        "/api/v1/statuses", headers=bearer(token), data={"status": text, **extra}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def test_reblogged_by_does_not_list_followers_only_reblogs(api: Api) -> None:
    author, booster = await api.register("author"), await api.register("booster")
    status_id = await _post(api.client, author, "public post")
    await api.client.post(
        f"/api/v1/statuses/{status_id}/reblog",
        headers=bearer(booster),
        data={"visibility": "private"},
    )
    listed = await api.client.get(f"/api/v1/statuses/{status_id}/reblogged_by")
    assert listed.status_code == 200
    assert listed.json() == []


async def test_a_reblog_of_someone_who_blocked_you_is_404(api: Api) -> None:
    author = await api.register("author")
    booster = await api.register("booster")
    blocked = await api.register("blocked")
    status_id = await _post(api.client, author, "not for blocked")
    wrapper = await api.client.post(f"/api/v1/statuses/{status_id}/reblog", headers=bearer(booster))
    await api.client.post(
        f"/api/v1/accounts/{await _me(api.client, blocked)}/block", headers=bearer(author)
    )
    seen = await api.client.get(f"/api/v1/statuses/{wrapper.json()['id']}", headers=bearer(blocked))
    assert seen.status_code == 404


async def test_tag_history_counts_no_private_or_direct_posts(api: Api) -> None:
    author = await api.register("author")
    await _post(api.client, author, "secret #hidden", visibility="private")
    await _post(api.client, author, "dm #hidden", visibility="direct")
    tag = (await api.client.get("/api/v1/tags/hidden")).json()
    assert all(day["uses"] == "0" for day in tag["history"])


async def test_following_the_next_link_of_pinned_statuses_ends(api: Api) -> None:
    author = await api.register("author")
    status_id = await _post(api.client, author, "pin me")
    await api.client.post(f"/api/v1/statuses/{status_id}/pin", headers=bearer(author))
    account_id = await _me(api.client, author)
    first = await api.client.get(
        f"/api/v1/accounts/{account_id}/statuses", params={"pinned": "true"}
    )
    assert [s["id"] for s in first.json()] == [status_id]
    following = await api.client.get(first.links["next"]["url"])
    assert following.json() == []


async def test_a_tag_timeline_with_all_finds_older_matches_past_a_batch(api: Api) -> None:
    author = await api.register("author")
    wanted = await _post(api.client, author, "old #one #two")
    for n in range(50):  # newer posts with only one of the two tags fill whole batches
        await _post(api.client, author, f"noise {n} #one")
    page = await api.client.get("/api/v1/timelines/tag/one", params={"all[]": "two"})
    assert [s["id"] for s in page.json()] == [wanted]


async def test_home_with_a_followed_tag_skips_none_of_the_followed_posts(api: Api) -> None:
    reader = await api.register("reader")
    friend = await api.register("friend")
    stranger = await api.register("stranger")
    await api.client.post(
        f"/api/v1/accounts/{await _me(api.client, friend)}/follow", headers=bearer(reader)
    )
    await api.client.post("/api/v1/tags/busy/follow", headers=bearer(reader))
    friend_posts = [await _post(api.client, friend, f"friend {n}") for n in range(30)]
    for n in range(60):  # a busy followed tag posted to after the friend's posts
        await _post(api.client, stranger, f"busy {n} #busy")
    seen: list[str] = []
    url = "/api/v1/timelines/home?limit=40"
    while url:
        response = await api.client.get(url, headers=bearer(reader))
        seen += [s["id"] for s in response.json()]
        url = response.links.get("next", {}).get("url") if response.json() else ""
    assert set(friend_posts) <= set(seen)
    assert len(seen) == len(set(seen)) == 90


async def test_a_notification_page_whose_rows_are_all_hidden_still_links_onwards(
    api: Api,
) -> None:
    reader = await api.register("reader")
    fan = await api.register("fan")
    pest = await api.register("pest")
    reader_id = await _me(api.client, reader)
    await api.client.post(f"/api/v1/accounts/{reader_id}/follow", headers=bearer(fan))
    await api.client.post(f"/api/v1/accounts/{reader_id}/follow", headers=bearer(pest))
    await api.client.post(
        f"/api/v1/accounts/{await _me(api.client, pest)}/mute", headers=bearer(reader)
    )
    first = await api.client.get(
        "/api/v1/notifications", params={"limit": 1}, headers=bearer(reader)
    )
    assert first.json() == []  # the newest is the muted account's follow
    older = await api.client.get(first.links["next"]["url"], headers=bearer(reader))
    assert [n["type"] for n in older.json()] == ["follow"]
