"""Server-sent event streams over a real server: what each stream carries, in Mastodon's
framing, and the errors of its streaming server."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest

from chirp.runtime import Runtime
from tests import media_files
from tests.api.test_media import uploaded
from tests.conftest import Api, User, bearer, post, user
from tests.streaming import live_server, sse, tuned


async def act(api: Api, actor: User, path: str, **data: str) -> None:
    response = await api.client.post(path, headers=actor.auth, data=data)
    assert response.status_code == 200, response.text


async def follow(api: Api, follower: User, target: User) -> None:
    await act(api, follower, f"/api/v1/accounts/{target.id}/follow")


# Errors, as Mastodon's streaming server gives them


@pytest.mark.parametrize(
    ("path", "params", "status", "error"),
    [
        ("nothing", {}, 400, "Unknown channel requested"),
        ("", {}, 400, "Unknown channel requested"),
        ("user", {}, 401, "Missing access token"),
        ("user", {"access_token": "not-a-token"}, 401, "Invalid access token"),
        ("direct", {}, 401, "Missing access token"),
        ("hashtag", {}, 400, "Missing tag name parameter"),
        ("hashtag/local", {"tag": "  "}, 400, "Missing tag name parameter"),
    ],
)
async def test_stream_errors_are_the_streaming_servers(
    api: Api, path: str, params: dict[str, str], status: int, error: str
) -> None:
    response = await api.client.get(f"/api/v1/streaming/{path}".rstrip("/"), params=params)
    assert response.status_code == status
    assert response.json() == {"error": error}


async def test_junk_parameters_never_get_a_500(api: Api, live: str) -> None:
    alice = await user(api, "alice")
    junk = ["", "\x00", "'; DROP TABLE account; --", "9" * 40, "😀" * 50, "a" * 600, "#"]
    async with httpx.AsyncClient(base_url=live, timeout=10) as client:
        for path in ("user", "public", "hashtag", "hashtag/local", "list", "direct", "nothing"):
            for value in junk:
                params = dict.fromkeys(("tag", "list", "only_media", "stream"), value)
                async with client.stream(
                    "GET", f"/api/v1/streaming/{path}", params=params, headers=alice.auth
                ) as response:
                    assert response.status_code < 500, (path, value)
                    if response.status_code >= 400:
                        assert "error" in orjson.loads(await response.aread())


async def test_a_token_without_the_read_scope_cannot_open_a_user_stream(api: Api) -> None:
    app = await api.create_app(scopes="read write follow push read:notifications")
    await api.register("alice", app=app)
    login = await api.password_grant(app, "write read:notifications")
    assert login.status_code == 200, login.text
    narrow = login.json()["access_token"]
    for path in ("user", "public"):
        response = await api.client.get(f"/api/v1/streaming/{path}", headers=bearer(narrow))
        assert response.status_code == 401
        assert response.json() == {"error": "Access token does not have the required scopes"}


async def test_lists_are_refused_as_there_are_none(api: Api) -> None:
    alice = await user(api, "alice")
    missing = await api.client.get("/api/v1/streaming/list", headers=alice.auth)
    assert (missing.status_code, missing.json()["error"]) == (400, "Missing list name parameter")
    unknown = await api.client.get(
        "/api/v1/streaming/list", params={"list": "1"}, headers=alice.auth
    )
    assert (unknown.status_code, unknown.json()["error"]) == (
        401,
        "Not authorized to stream this list",
    )


async def test_health_answers_ok_in_plain_text(api: Api) -> None:
    response = await api.client.get("/api/v1/streaming/health")
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["content-type"].startswith("text/plain")


async def test_public_streams_can_require_a_token(rt: Runtime) -> None:
    strict = tuned(rt, streaming_public_needs_token=True)
    async with live_server(strict) as base, httpx.AsyncClient(base_url=base) as client:
        response = await client.get("/api/v1/streaming/public")
    assert (response.status_code, response.json()) == (401, {"error": "Missing access token"})


# The user stream


async def test_a_follower_gets_updates_and_deletes_of_followed_posts(api: Api, live: str) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow(api, bob, alice)
    async with sse(live, "user", bob.token) as stream:
        status_id = await post(api, alice, "hello followers")
        event, entity = await stream.next_status()
        assert (event, entity["id"], entity["content"]) == (
            "update",
            status_id,
            "<p>hello followers</p>",
        )
        assert entity["account"]["id"] == alice.id
        deleted = await api.client.delete(f"/api/v1/statuses/{status_id}", headers=alice.auth)
        assert deleted.status_code == 200
        assert await stream.next() == ("delete", status_id)
    assert stream.comments[0] == ":)"


async def test_the_author_sees_their_own_posts_and_strangers_do_not(api: Api, live: str) -> None:
    alice, carol = await user(api, "alice"), await user(api, "carol")
    async with sse(live, "user", alice.token) as mine, sse(live, "user", carol.token) as theirs:
        first = await post(api, alice, "to nobody in particular", visibility="private")
        assert (await mine.next_status())[1]["id"] == first
        own = await post(api, carol, "carol's own")
        # Carol's first event is her own post: alice's private post never reached her.
        assert (await theirs.next_status())[1]["id"] == own


async def test_edits_reach_followers_as_status_update(api: Api, live: str) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow(api, bob, alice)
    status_id = await post(api, alice, "first draft")
    async with sse(live, "user", bob.token) as stream:
        edited = await api.client.put(
            f"/api/v1/statuses/{status_id}", headers=alice.auth, data={"status": "final"}
        )
        assert edited.status_code == 200
        event, entity = await stream.next_status()
    assert (event, entity["id"], entity["content"]) == ("status.update", status_id, "<p>final</p>")


async def test_reblogs_reach_the_reblogger_s_followers(api: Api, live: str) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await follow(api, carol, bob)
    original = await post(api, alice, "worth sharing")
    async with sse(live, "user", carol.token) as stream:
        await act(api, bob, f"/api/v1/statuses/{original}/reblog")
        event, entity = await stream.next_status()
        assert event == "update"
        assert (entity["account"]["id"], entity["reblog"]["id"]) == (bob.id, original)
        await act(api, bob, f"/api/v1/statuses/{original}/unreblog")
        assert await stream.next() == ("delete", entity["id"])


async def test_notifications_reach_the_user_and_notification_streams(api: Api, live: str) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    async with (
        sse(live, "user", alice.token) as both,
        sse(live, "user/notification", alice.token) as only,
    ):
        mention = await post(api, bob, "hi @alice")
        event, note = await both.next_status()  # not in her home: she does not follow bob
        assert (event, note["type"], note["status"]["id"]) == ("notification", "mention", mention)
        assert note["account"]["id"] == bob.id
        event, same = await only.next_status()
        assert (event, same["id"]) == ("notification", note["id"])


# Public and hashtag streams


async def test_anonymous_public_stream_carries_public_posts_only(api: Api, live: str) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    root = await post(api, bob, "a thread")
    async with sse(live, "public") as public, sse(live, "public/local") as local:
        await post(api, alice, "unlisted", visibility="unlisted")
        await post(api, alice, "private", visibility="private")
        await post(api, alice, "@bob a reply to someone else", in_reply_to_id=root)
        shown = await post(api, alice, "for everyone")
        for stream in (public, local):
            event, entity = await stream.next_status()
            assert (event, entity["id"]) == ("update", shown)
            assert "favourited" not in entity  # rendered for nobody in particular


async def test_only_media_public_streams_carry_posts_with_media_and_their_deletes(
    api: Api, live: str
) -> None:
    alice = await user(api, "alice")
    media = await uploaded(api.client, alice, media_files.jpeg())
    async with (
        sse(live, "public", only_media="true") as public,
        sse(live, "public/local", only_media="1") as local,
    ):
        await post(api, alice, "words only")
        shown = await post(api, alice, "with a picture", **{"media_ids[]": media["id"]})
        for stream in (public, local):
            event, entity = await stream.next_status()
            assert (event, entity["id"]) == ("update", shown)
            assert [m["id"] for m in entity["media_attachments"]] == [media["id"]]
        gone = await api.client.delete(f"/api/v1/statuses/{shown}", headers=alice.auth)
        assert gone.status_code == 200, gone.text
        for stream in (public, local):
            assert await stream.next_status() == ("delete", shown)


async def test_hashtag_streams_match_tags_whatever_their_case(api: Api, live: str) -> None:
    alice = await user(api, "alice")
    async with (
        sse(live, "hashtag", tag="Cats") as tagged,
        sse(live, "hashtag/local", tag="cats") as local,
    ):
        await post(api, alice, "about #dogs")
        await post(api, alice, "private #cats", visibility="private")
        shown = await post(api, alice, "about #CATS")
        for stream in (tagged, local):
            event, entity = await stream.next_status()
            assert (event, entity["id"]) == ("update", shown)
        deleted = await api.client.delete(f"/api/v1/statuses/{shown}", headers=alice.auth)
        assert deleted.status_code == 200
        assert await tagged.next() == ("delete", shown)


async def test_heartbeats_keep_the_stream_alive(rt: Runtime, api: Api) -> None:
    async with live_server(tuned(rt, streaming_heartbeat_seconds=0.1)) as base:
        async with sse(base, "public") as stream:
            await asyncio.sleep(0.5)
    assert stream.comments[0] == ":)"
    assert stream.comments[1:3] == [":thump", ":thump"]
