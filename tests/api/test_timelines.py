"""Home, public, hashtag and account timelines, followed tags, favourites and bookmarks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import Api, FakeClock, User, post, user


async def reblog(api: Api, booster: User, status_id: str) -> str:
    response = await api.client.post(f"/api/v1/statuses/{status_id}/reblog", headers=booster.auth)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def account_action(api: Api, actor: User, action: str, target: User, **data: str) -> None:
    response = await api.client.post(
        f"/api/v1/accounts/{target.id}/{action}", headers=actor.auth, data=data
    )
    assert response.status_code == 200, response.text


async def follow(api: Api, follower: User, target: User, **data: str) -> None:
    await account_action(api, follower, "follow", target, **data)


async def timeline(api: Api, path: str, viewer: User | None = None, **params: Any) -> list[str]:
    """The ids of one page, newest first."""
    response = await api.client.get(path, params=params, headers=viewer.auth if viewer else {})
    assert response.status_code == 200, response.text
    return [status["id"] for status in response.json()]


async def shown(api: Api, path: str, viewer: User | None = None) -> list[str]:
    """The ids of the statuses a page shows, a reblog counting as the status it reblogs."""
    response = await api.client.get(path, headers=viewer.auth if viewer else {})
    assert response.status_code == 200, response.text
    return [(status["reblog"] or status)["id"] for status in response.json()]


async def home(api: Api, viewer: User, **params: Any) -> list[str]:
    return await timeline(api, "/api/v1/timelines/home", viewer, **params)


async def walk(
    api: Api, url: str, viewer: User | None = None, rel: str = "next"
) -> list[list[str]]:
    """Every page, following the Link header the way Mastodon.py's fetch_next does."""
    headers = viewer.auth if viewer else {}
    pages: list[list[str]] = []
    while True:
        response = await api.client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        page = [item["id"] for item in response.json()]
        if not page:
            return pages
        pages.append(page)
        if rel not in response.links:
            return pages
        url = response.links[rel]["url"]
        assert len(pages) < 50, "paging does not end"


# Home


async def test_home_shows_own_posts_and_followed_accounts_posts_only(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, alice, bob)
    by_bob = await post(api, bob, "from bob")
    await post(api, carol, "from carol")
    by_alice = await post(api, alice, "from alice")
    assert await home(api, alice) == [by_alice, by_bob]


async def test_home_needs_a_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/timelines/home")
    assert response.status_code == 401


async def test_following_brings_earlier_posts_into_home(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    earlier = await post(api, bob, "before the follow")
    await follow(api, alice, bob)
    assert await home(api, alice) == [earlier]


async def test_unfollowing_takes_posts_out_of_home(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow(api, alice, bob)
    await post(api, bob, "hello")
    await account_action(api, alice, "unfollow", bob)
    assert await home(api, alice) == []


async def test_a_private_post_reaches_only_followers_homes(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, alice, bob)
    private = await post(api, bob, "followers only", visibility="private")
    assert await home(api, alice) == [private]
    assert await home(api, carol) == []
    assert private not in await timeline(api, "/api/v1/timelines/public", carol)


async def test_a_direct_post_reaches_the_mentioned_followers_home_only(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, alice, bob)
    await follow(api, carol, bob)
    direct = await post(api, bob, "@alice just for you", visibility="direct")
    assert await home(api, alice) == [direct]
    assert await home(api, carol) == []
    assert await home(api, bob) == [direct]


async def test_a_direct_post_stays_out_of_a_mentioned_non_followers_home(api: Api) -> None:
    bob, dave = await user(api, "bob"), await user(api, "dave")
    await post(api, bob, "@dave psst", visibility="direct")
    assert await home(api, dave) == []


async def test_replies_to_someone_the_viewer_does_not_follow_stay_out_of_home(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, alice, bob)
    by_carol = await post(api, carol, "a thought")
    await post(api, bob, "@carol a reply", in_reply_to_id=by_carol)
    assert await home(api, alice) == []


async def test_replies_to_the_viewer_to_followed_accounts_and_to_self_reach_home(
    api: Api,
) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, alice, bob)
    await follow(api, alice, carol)
    by_alice = await post(api, alice, "question")
    by_carol = await post(api, carol, "a thought")
    by_bob = await post(api, bob, "thread 1/2")
    to_alice = await post(api, bob, "@alice answer", in_reply_to_id=by_alice)
    to_carol = await post(api, bob, "@carol agreed", in_reply_to_id=by_carol)
    to_self = await post(api, bob, "thread 2/2", in_reply_to_id=by_bob)
    assert await home(api, alice) == [to_self, to_carol, to_alice, by_bob, by_carol, by_alice]


async def test_reblogs_by_a_follow_reach_home(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, alice, bob)
    by_carol = await post(api, carol, "worth sharing")
    boost = await reblog(api, bob, by_carol)
    response = await api.client.get("/api/v1/timelines/home", headers=alice.auth)
    [entry] = response.json()
    assert entry["id"] == boost
    assert entry["account"]["id"] == bob.id
    assert entry["reblog"]["id"] == by_carol


async def test_reblogs_from_a_follow_with_reblogs_off_stay_out_of_home(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, alice, bob, reblogs="false")
    by_carol = await post(api, carol, "worth sharing")
    await reblog(api, bob, by_carol)
    by_bob = await post(api, bob, "my own")
    assert await home(api, alice) == [by_bob]


async def test_a_status_reblogged_by_two_follows_shows_once(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    dave = await user(api, "dave")
    await follow(api, alice, bob)
    await follow(api, alice, carol)
    by_dave = await post(api, dave, "popular")
    first = await reblog(api, bob, by_dave)
    await reblog(api, carol, by_dave)
    assert await shown(api, "/api/v1/timelines/home", alice) == [by_dave]
    assert await home(api, alice) == [first]


async def test_a_status_reblogged_by_two_follows_shows_once_across_pages(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    dave = await user(api, "dave")
    await follow(api, alice, bob)
    await follow(api, alice, carol)
    by_dave = await post(api, dave, "popular")
    await reblog(api, bob, by_dave)
    fillers = [await post(api, bob, f"filler {n}") for n in range(3)]
    await reblog(api, carol, by_dave)
    pages = []
    url = "/api/v1/timelines/home?limit=2"
    while url:
        response = await api.client.get(url, headers=alice.auth)
        page = [(s["reblog"] or s)["id"] for s in response.json()]
        if not page:
            break
        pages.append(page)
        url = response.links.get("next", {}).get("url", "")
    seen = [status for page in pages for status in page]
    assert sorted(seen) == sorted([by_dave, *fillers])


async def test_a_reblog_of_a_status_already_in_home_does_not_repeat_it(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, alice, bob)
    await follow(api, alice, carol)
    by_carol = await post(api, carol, "original")
    await reblog(api, bob, by_carol)
    assert await shown(api, "/api/v1/timelines/home", alice) == [by_carol]


# Blocked and muted accounts, in every timeline


@pytest.mark.parametrize("action", ["block", "mute"])
async def test_a_hidden_account_never_appears_in_home_as_author(api: Api, action: str) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow(api, alice, bob)
    await post(api, bob, "before")
    await account_action(api, alice, action, bob)
    await post(api, bob, "after")
    assert await home(api, alice) == []


@pytest.mark.parametrize("action", ["block", "mute"])
async def test_a_hidden_account_never_appears_in_home_as_reblogged_author(
    api: Api, action: str
) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, alice, carol)
    await account_action(api, alice, action, bob)
    by_bob = await post(api, bob, "hidden")
    await reblog(api, carol, by_bob)
    assert await home(api, alice) == []


@pytest.mark.parametrize("action", ["block", "mute"])
@pytest.mark.parametrize("path", ["/api/v1/timelines/public", "/api/v1/timelines/tag/topic"])
async def test_a_hidden_account_never_appears_in_public_timelines(
    api: Api, action: str, path: str
) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await account_action(api, alice, action, bob)
    by_bob = await post(api, bob, "hidden #topic")
    by_carol = await post(api, carol, "visible #topic")
    assert await timeline(api, path, alice) == [by_carol]
    assert await timeline(api, path) == [by_carol, by_bob]


@pytest.mark.parametrize("path", ["/api/v1/timelines/public", "/api/v1/timelines/tag/topic"])
async def test_an_account_that_blocked_the_viewer_stays_out_of_public_timelines(
    api: Api, path: str
) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await account_action(api, bob, "block", alice)
    await post(api, bob, "not for alice #topic")
    assert await timeline(api, path, alice) == []


async def test_an_expired_mute_lets_the_account_back_into_home(api: Api, clock: FakeClock) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow(api, alice, bob)
    await account_action(api, alice, "mute", bob, duration="60")
    by_bob = await post(api, bob, "back soon")
    assert await home(api, alice) == []
    clock.advance(seconds=61)
    assert await home(api, alice) == [by_bob]


# Public and hashtag timelines


async def test_public_shows_public_originals_only(api: Api) -> None:
    bob, carol = await user(api, "bob"), await user(api, "carol")
    public = await post(api, bob, "public")
    await post(api, bob, "unlisted", visibility="unlisted")
    await post(api, bob, "private", visibility="private")
    await post(api, bob, "@carol direct", visibility="direct")
    await reblog(api, carol, public)
    assert await timeline(api, "/api/v1/timelines/public") == [public]
    assert await timeline(api, "/api/v1/timelines/public", carol) == [public]


async def test_public_leaves_replies_to_others_out_but_keeps_self_threads(api: Api) -> None:
    bob, carol = await user(api, "bob"), await user(api, "carol")
    first = await post(api, bob, "thread 1/2")
    await post(api, carol, "@bob hi", in_reply_to_id=first)
    second = await post(api, bob, "thread 2/2", in_reply_to_id=first)
    assert await timeline(api, "/api/v1/timelines/public") == [second, first]


async def test_tag_timeline_matches_without_regard_to_case(api: Api) -> None:
    bob = await user(api, "bob")
    lower = await post(api, bob, "about #cats")
    mixed = await post(api, bob, "more #CaTs")
    await post(api, bob, "about #dogs")
    assert await timeline(api, "/api/v1/timelines/tag/cats") == [mixed, lower]
    assert await timeline(api, "/api/v1/timelines/tag/CATS") == [mixed, lower]


async def test_tag_timeline_shows_public_posts_only(api: Api) -> None:
    bob, carol = await user(api, "bob"), await user(api, "carol")
    await follow(api, carol, bob)
    public = await post(api, bob, "#cats public")
    await post(api, bob, "#cats unlisted", visibility="unlisted")
    await post(api, bob, "#cats private", visibility="private")
    await post(api, bob, "@carol #cats direct", visibility="direct")
    await reblog(api, carol, public)
    assert await timeline(api, "/api/v1/timelines/tag/cats", carol) == [public]


# An account's statuses


async def test_account_statuses_list_posts_and_reblogs_newest_first(api: Api) -> None:
    bob, carol = await user(api, "bob"), await user(api, "carol")
    by_carol = await post(api, carol, "original")
    first = await post(api, bob, "first")
    boost = await reblog(api, bob, by_carol)
    await post(api, carol, "not bob's")
    assert await timeline(api, f"/api/v1/accounts/{bob.id}/statuses") == [boost, first]


async def test_account_statuses_exclude_replies_to_others(api: Api) -> None:
    bob, carol = await user(api, "bob"), await user(api, "carol")
    by_carol = await post(api, carol, "question")
    own = await post(api, bob, "statement")
    await post(api, bob, "@carol answer", in_reply_to_id=by_carol)
    path = f"/api/v1/accounts/{bob.id}/statuses"
    assert await timeline(api, path, exclude_replies="true") == [own]


async def test_account_statuses_excluding_replies_keep_a_self_thread(api: Api) -> None:
    bob = await user(api, "bob")
    first = await post(api, bob, "thread 1/2")
    second = await post(api, bob, "thread 2/2", in_reply_to_id=first)
    path = f"/api/v1/accounts/{bob.id}/statuses"
    assert await timeline(api, path, exclude_replies="true") == [second, first]


async def test_account_statuses_exclude_reblogs(api: Api) -> None:
    bob, carol = await user(api, "bob"), await user(api, "carol")
    by_carol = await post(api, carol, "original")
    own = await post(api, bob, "mine")
    await reblog(api, bob, by_carol)
    path = f"/api/v1/accounts/{bob.id}/statuses"
    assert await timeline(api, path, exclude_reblogs="true") == [own]


async def test_account_statuses_pinned_lists_only_pins(api: Api) -> None:
    bob = await user(api, "bob")
    pinned = await post(api, bob, "pin me")
    await post(api, bob, "not pinned")
    response = await api.client.post(f"/api/v1/statuses/{pinned}/pin", headers=bob.auth)
    assert response.status_code == 200 and response.json()["pinned"] is True
    path = f"/api/v1/accounts/{bob.id}/statuses"
    assert await timeline(api, path, pinned="true") == [pinned]


async def test_account_statuses_tagged_lists_only_that_tag(api: Api) -> None:
    bob = await user(api, "bob")
    cats = await post(api, bob, "#Cats rule")
    await post(api, bob, "#dogs too")
    await post(api, bob, "no tag")
    path = f"/api/v1/accounts/{bob.id}/statuses"
    assert await timeline(api, path, tagged="cats") == [cats]


async def test_account_statuses_show_private_posts_only_to_followers(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, alice, bob)
    public = await post(api, bob, "public")
    unlisted = await post(api, bob, "unlisted", visibility="unlisted")
    private = await post(api, bob, "private", visibility="private")
    path = f"/api/v1/accounts/{bob.id}/statuses"
    assert await timeline(api, path, alice) == [private, unlisted, public]
    assert await timeline(api, path, bob) == [private, unlisted, public]
    assert await timeline(api, path, carol) == [unlisted, public]
    assert await timeline(api, path) == [unlisted, public]


async def test_account_statuses_show_a_direct_post_only_to_the_mentioned(api: Api) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, carol, bob)
    direct = await post(api, bob, "@alice secret", visibility="direct")
    path = f"/api/v1/accounts/{bob.id}/statuses"
    assert await timeline(api, path, carol) == []
    assert await timeline(api, path) == []
    assert direct in await timeline(api, path, alice)


async def test_account_statuses_are_empty_for_a_viewer_the_account_blocked(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await post(api, bob, "public")
    await account_action(api, bob, "block", alice)
    assert await timeline(api, f"/api/v1/accounts/{bob.id}/statuses", alice) == []


async def test_account_statuses_of_an_unknown_account_are_404(api: Api) -> None:
    response = await api.client.get("/api/v1/accounts/123456789/statuses")
    assert response.status_code == 404


# Paging


@dataclass(frozen=True)
class Timeline:
    viewer: User
    path: str
    ids: list[str]  # oldest first


PATHS = ["home", "public", "tag", "account"]


async def timeline_of_45(api: Api, kind: str) -> Timeline:
    alice = await user(api, "alice")
    ids = [await post(api, alice, f"post {n} #paging") for n in range(45)]
    path = {
        "home": "/api/v1/timelines/home",
        "public": "/api/v1/timelines/public",
        "tag": "/api/v1/timelines/tag/paging",
        "account": f"/api/v1/accounts/{alice.id}/statuses",
    }[kind]
    return Timeline(alice, path, ids)


@pytest.mark.parametrize("kind", PATHS)
async def test_walking_next_links_gives_every_status_once_newest_first(api: Api, kind: str) -> None:
    line = await timeline_of_45(api, kind)
    pages = await walk(api, f"{line.path}?limit=20", line.viewer)
    assert [len(page) for page in pages] == [20, 20, 5]
    assert [status for page in pages for status in page] == line.ids[::-1]


@pytest.mark.parametrize("kind", PATHS)
async def test_limit_defaults_to_20_and_is_capped_at_40(api: Api, kind: str) -> None:
    line = await timeline_of_45(api, kind)
    assert await timeline(api, line.path, line.viewer) == line.ids[:-21:-1]
    assert await timeline(api, line.path, line.viewer, limit=100) == line.ids[:-41:-1]
    assert await timeline(api, line.path, line.viewer, limit=3) == line.ids[:-4:-1]


@pytest.mark.parametrize("kind", PATHS)
async def test_max_id_returns_older_statuses(api: Api, kind: str) -> None:
    line = await timeline_of_45(api, kind)
    page = await timeline(api, line.path, line.viewer, max_id=line.ids[10], limit=5)
    assert page == [line.ids[9], line.ids[8], line.ids[7], line.ids[6], line.ids[5]]


@pytest.mark.parametrize("kind", PATHS)
async def test_since_id_returns_the_newest_statuses_above_it(api: Api, kind: str) -> None:
    line = await timeline_of_45(api, kind)
    page = await timeline(api, line.path, line.viewer, since_id=line.ids[10], limit=5)
    assert page == line.ids[:-6:-1]
    everything_after = await timeline(api, line.path, line.viewer, since_id=line.ids[40])
    assert everything_after == line.ids[:40:-1]


@pytest.mark.parametrize("kind", PATHS)
async def test_min_id_returns_the_statuses_just_after_it_newest_first(api: Api, kind: str) -> None:
    line = await timeline_of_45(api, kind)
    page = await timeline(api, line.path, line.viewer, min_id=line.ids[10], limit=5)
    assert page == [line.ids[15], line.ids[14], line.ids[13], line.ids[12], line.ids[11]]


@pytest.mark.parametrize("kind", PATHS)
async def test_max_id_and_min_id_together_bound_both_ends(api: Api, kind: str) -> None:
    line = await timeline_of_45(api, kind)
    page = await timeline(
        api, line.path, line.viewer, min_id=line.ids[10], max_id=line.ids[14], limit=20
    )
    assert page == [line.ids[13], line.ids[12], line.ids[11]]


@pytest.mark.parametrize("kind", PATHS)
async def test_the_prev_link_returns_the_newer_page(api: Api, kind: str) -> None:
    line = await timeline_of_45(api, kind)
    first = await api.client.get(f"{line.path}?limit=20", headers=line.viewer.auth)
    second = await api.client.get(first.links["next"]["url"], headers=line.viewer.auth)
    back = await api.client.get(second.links["prev"]["url"], headers=line.viewer.auth)
    assert [s["id"] for s in back.json()] == [s["id"] for s in first.json()]


async def test_walking_prev_links_from_the_oldest_page_reaches_the_newest(api: Api) -> None:
    line = await timeline_of_45(api, "account")
    oldest = await api.client.get(f"{line.path}?limit=20&max_id={line.ids[5]}")
    assert [s["id"] for s in oldest.json()] == line.ids[4::-1]
    pages = await walk(api, oldest.links["prev"]["url"], rel="prev")
    assert [status for page in reversed(pages) for status in page] == line.ids[:4:-1]


async def test_a_page_past_the_end_is_empty_without_a_link_header(api: Api) -> None:
    line = await timeline_of_45(api, "public")
    response = await api.client.get(line.path, params={"max_id": line.ids[0]})
    assert response.json() == []
    assert "next" not in response.links


# Followed tags


async def follow_tag(api: Api, viewer: User, name: str) -> dict[str, Any]:
    response = await api.client.post(f"/api/v1/tags/{name}/follow", headers=viewer.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_following_a_tag_answers_the_tag(api: Api) -> None:
    alice = await user(api, "alice")
    tag = await follow_tag(api, alice, "Cats")
    assert tag["name"].lower() == "cats"
    assert tag["following"] is True
    assert tag["url"] == "http://chirp.test/tags/cats"


async def test_a_followed_tags_public_posts_appear_in_home(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow_tag(api, alice, "cats")
    tagged = await post(api, bob, "look #Cats")
    await post(api, bob, "nothing to see")
    assert await home(api, alice) == [tagged]


async def test_a_followed_tag_brings_no_unlisted_or_private_posts_into_home(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow_tag(api, alice, "cats")
    await post(api, bob, "#cats unlisted", visibility="unlisted")
    await post(api, bob, "#cats private", visibility="private")
    assert await home(api, alice) == []


async def test_a_followed_tag_brings_no_hidden_accounts_posts_into_home(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow_tag(api, alice, "cats")
    await account_action(api, alice, "mute", bob)
    await post(api, bob, "#cats from a muted account")
    assert await home(api, alice) == []


async def test_unfollowing_a_tag_stops_its_posts_reaching_home(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow_tag(api, alice, "cats")
    response = await api.client.post("/api/v1/tags/cats/unfollow", headers=alice.auth)
    assert response.json()["following"] is False
    await post(api, bob, "#cats again")
    assert await home(api, alice) == []


async def test_followed_tags_lists_the_viewers_tags(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow_tag(api, alice, "cats")
    await follow_tag(api, alice, "dogs")
    await follow_tag(api, bob, "birds")
    response = await api.client.get("/api/v1/followed_tags", headers=alice.auth)
    assert response.status_code == 200
    assert sorted(t["name"].lower() for t in response.json()) == ["cats", "dogs"]
    assert all(t["following"] is True for t in response.json())


async def test_get_tag_tells_whether_the_viewer_follows_it(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow_tag(api, alice, "cats")
    await post(api, bob, "#cats")
    followed = (await api.client.get("/api/v1/tags/CATS", headers=alice.auth)).json()
    assert followed["name"].lower() == "cats" and followed["following"] is True
    assert followed["history"][0]["uses"] == "1"
    assert followed["history"][0]["accounts"] == "1"
    other = (await api.client.get("/api/v1/tags/cats", headers=bob.auth)).json()
    assert other["following"] is False


# Favourites and bookmarks


@pytest.mark.parametrize(
    "mark,unmark,path",
    [
        ("favourite", "unfavourite", "/api/v1/favourites"),
        ("bookmark", "unbookmark", "/api/v1/bookmarks"),
    ],
)
async def test_marked_statuses_are_listed_newest_mark_first(
    api: Api, mark: str, unmark: str, path: str
) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    first, second, third = [await post(api, bob, f"post {n}") for n in range(3)]
    for status in (third, first, second):
        response = await api.client.post(f"/api/v1/statuses/{status}/{mark}", headers=alice.auth)
        assert response.status_code == 200, response.text
    assert await timeline(api, path, alice) == [second, first, third]
    await api.client.post(f"/api/v1/statuses/{first}/{unmark}", headers=alice.auth)
    assert await timeline(api, path, alice) == [second, third]
    assert await timeline(api, path, bob) == []


@pytest.mark.parametrize(
    "mark,path", [("favourite", "/api/v1/favourites"), ("bookmark", "/api/v1/bookmarks")]
)
async def test_marked_statuses_page_through_the_link_header(api: Api, mark: str, path: str) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    statuses = [await post(api, bob, f"post {n}") for n in range(7)]
    for status in reversed(statuses):
        await api.client.post(f"/api/v1/statuses/{status}/{mark}", headers=alice.auth)
    pages = await walk(api, f"{path}?limit=3", alice)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [status for page in pages for status in page] == statuses
