"""Posting, reading, editing, deleting and interacting with statuses through HTTP."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Iterable
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, Api, FakeClock, bearer

STATUS_FIELDS = {
    "id": str,
    "uri": str,
    "url": str,
    "created_at": str,
    "account": dict,
    "content": str,
    "visibility": str,
    "sensitive": bool,
    "spoiler_text": str,
    "media_attachments": list,
    "mentions": list,
    "tags": list,
    "emojis": list,
    "reblogs_count": int,
    "favourites_count": int,
    "replies_count": int,
    "favourited": bool,
    "reblogged": bool,
    "bookmarked": bool,
    "muted": bool,
    "pinned": bool,
}
LONG_URL = "https://example.com/" + "p" * 100
STATUS_ROUTES = [
    ("GET", ""),
    ("DELETE", ""),
    ("PUT", ""),
    ("GET", "/history"),
    ("GET", "/source"),
    ("GET", "/context"),
    ("POST", "/favourite"),
    ("POST", "/unfavourite"),
    ("POST", "/reblog"),
    ("POST", "/unreblog"),
    ("POST", "/bookmark"),
    ("POST", "/unbookmark"),
    ("POST", "/pin"),
    ("POST", "/unpin"),
    ("GET", "/favourited_by"),
    ("GET", "/reblogged_by"),
]
WRITE_ROUTES = [
    ("DELETE", ""),
    ("PUT", ""),
    ("POST", "/favourite"),
    ("POST", "/unfavourite"),
    ("POST", "/reblog"),
    ("POST", "/unreblog"),
    ("POST", "/bookmark"),
    ("POST", "/unbookmark"),
    ("POST", "/pin"),
    ("POST", "/unpin"),
]


def route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1] or '/'}"


async def post(api: Api, token: str, text: str = "Hello, world", **fields: Any) -> dict[str, Any]:
    response = await api.client.post(
        "/api/v1/statuses", headers=bearer(token), data={"status": text, **fields}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def me(api: Api, token: str) -> dict[str, Any]:
    response = await api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def account(api: Api, account_id: str) -> dict[str, Any]:
    response = await api.client.get(f"/api/v1/accounts/{account_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def follow(api: Api, token: str, target_token: str) -> None:
    target = await me(api, target_token)
    response = await api.client.post(
        f"/api/v1/accounts/{target['id']}/follow", headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert response.json()["following"] is True


async def show(api: Api, status_id: str, token: str | None = None) -> httpx.Response:
    headers = bearer(token) if token else {}
    return await api.client.get(f"/api/v1/statuses/{status_id}", headers=headers)


async def act(api: Api, token: str, status_id: str, action: str) -> httpx.Response:
    return await api.client.post(f"/api/v1/statuses/{status_id}/{action}", headers=bearer(token))


async def call(
    api: Api, method: str, status_id: str, suffix: str, headers: dict[str, str]
) -> httpx.Response:
    data = {"status": "Changed"} if method == "PUT" else None
    return await api.client.request(
        method, f"/api/v1/statuses/{status_id}{suffix}", headers=headers, data=data
    )


async def all_at_once(requests: Iterable[Awaitable[httpx.Response]]) -> list[httpx.Response]:
    """Send requests concurrently and wait for every one, so none outlives the test."""
    results = await asyncio.gather(*requests, return_exceptions=True)
    raised = [r for r in results if isinstance(r, BaseException)]
    assert not raised, f"{len(raised)} of {len(results)} requests raised, first: {raised[0]!r}"
    return [r for r in results if isinstance(r, httpx.Response)]


async def narrow_token(api: Api, username: str, scope: str = "read") -> str:
    return (await full_and_narrow_tokens(api, username, scope))[1]


async def full_and_narrow_tokens(api: Api, username: str, scope: str) -> tuple[str, str]:
    """A new account's token with every scope, and one with just ``scope``."""
    app = await api.create_app(scopes=f"read write follow push {scope}")
    full = await api.register(username, app=app)
    response = await api.client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": f"{username}@example.com",
            "password": PASSWORD,
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == scope
    return full, str(response.json()["access_token"])


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def markup(content: str) -> _Markup:
    parser = _Markup()
    parser.feed(content)
    parser.close()
    return parser


def links(content: str) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in markup(content).tags if tag == "a"]


# Posting


async def test_posting_answers_the_status_entity(api: Api) -> None:
    token = await api.register("alice")
    status = await post(api, token, "Hello, world")
    for name, kind in STATUS_FIELDS.items():
        assert isinstance(status.get(name), kind), f"{name} is {status.get(name)!r}"
    assert status["content"] == "<p>Hello, world</p>"
    assert status["account"]["username"] == "alice"
    assert status["in_reply_to_id"] is None and status["reblog"] is None
    assert status["favourites_count"] == status["reblogs_count"] == status["replies_count"] == 0
    fetched = await show(api, status["id"], token)
    assert fetched.status_code == 200
    assert fetched.json()["id"] == status["id"]
    assert fetched.json()["content"] == status["content"]


async def test_a_public_status_can_be_read_without_a_token(api: Api) -> None:
    status = await post(api, await api.register("alice"))
    response = await show(api, status["id"])
    assert response.status_code == 200
    assert response.json()["id"] == status["id"]


async def test_a_status_of_500_characters_is_accepted(api: Api) -> None:
    status = await post(api, await api.register("alice"), "x" * 500)
    assert "x" * 500 in status["content"]


async def test_a_status_of_501_characters_is_422(api: Api) -> None:
    token = await api.register("alice")
    response = await api.client.post(
        "/api/v1/statuses", headers=bearer(token), data={"status": "x" * 501}
    )
    assert response.status_code == 422
    assert "error" in response.json()
    assert (await me(api, token))["statuses_count"] == 0


async def test_long_urls_count_as_23_characters_each(api: Api) -> None:
    text = "b" * 400 + " " + " ".join([LONG_URL] * 3)
    assert len(text) > 500
    status = await post(api, await api.register("alice"), text)
    assert [a["href"] for a in links(status["content"])] == [LONG_URL] * 3


@pytest.mark.parametrize("padding,code", [(476, 200), (477, 422)])
async def test_the_limit_counts_a_url_as_exactly_23(api: Api, padding: int, code: int) -> None:
    token = await api.register("alice")
    response = await api.client.post(
        "/api/v1/statuses", headers=bearer(token), data={"status": "x" * padding + " " + LONG_URL}
    )
    assert response.status_code == code, response.text


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
async def test_a_blank_status_is_422(api: Api, text: str) -> None:
    token = await api.register("alice")
    response = await api.client.post(
        "/api/v1/statuses", headers=bearer(token), data={"status": text}
    )
    assert response.status_code == 422
    assert "error" in response.json()
    assert (await me(api, token))["statuses_count"] == 0


async def test_a_reply_points_at_its_parent_and_its_author(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    parent = await post(api, alice, "Question?")
    reply = await post(api, bob, "@alice Answer.", in_reply_to_id=parent["id"])
    assert reply["in_reply_to_id"] == parent["id"]
    assert reply["in_reply_to_account_id"] == parent["account"]["id"]


async def test_a_reply_to_a_missing_status_is_404(api: Api) -> None:
    token = await api.register("alice")
    gone = await post(api, token, "Soon gone")
    deleted = await api.client.delete(f"/api/v1/statuses/{gone['id']}", headers=bearer(token))
    assert deleted.status_code == 200
    for missing in (gone["id"], "123", "not-an-id"):
        response = await api.client.post(
            "/api/v1/statuses",
            headers=bearer(token),
            data={"status": "Reply", "in_reply_to_id": missing},
        )
        assert response.status_code == 404, missing
    assert (await me(api, token))["statuses_count"] == 0


async def test_a_reply_to_a_status_the_author_may_not_see_is_404(api: Api) -> None:
    alice, eve = await api.register("alice"), await api.register("eve")
    private = await post(api, alice, "Followers only", visibility="private")
    response = await api.client.post(
        "/api/v1/statuses",
        headers=bearer(eve),
        data={"status": "Peek", "in_reply_to_id": private["id"]},
    )
    assert response.status_code == 404
    assert (await me(api, eve))["statuses_count"] == 0
    assert (await show(api, private["id"], alice)).json()["replies_count"] == 0


async def test_a_follower_may_reply_to_a_private_status(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    await follow(api, bob, alice)
    parent = await post(api, alice, "Followers only", visibility="private")
    reply = await post(api, bob, "@alice Seen", in_reply_to_id=parent["id"])
    assert reply["in_reply_to_id"] == parent["id"]


async def test_sensitive_spoiler_text_and_language_are_kept(api: Api) -> None:
    token = await api.register("alice")
    status = await post(
        api, token, "Plot twist", sensitive="true", spoiler_text="Spoilers", language="de"
    )
    assert status["sensitive"] is True
    assert status["spoiler_text"] == "Spoilers"
    assert status["language"] == "de"
    again = (await show(api, status["id"], token)).json()
    assert (again["sensitive"], again["spoiler_text"], again["language"]) == (
        True,
        "Spoilers",
        "de",
    )


async def test_a_plain_status_is_not_sensitive(api: Api) -> None:
    status = await post(api, await api.register("alice"), "Nothing to hide")
    assert status["sensitive"] is False
    assert status["spoiler_text"] == ""


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private", "direct"])
async def test_the_chosen_visibility_is_kept(api: Api, visibility: str) -> None:
    token = await api.register("alice")
    await api.register("bob")
    status = await post(api, token, "@bob hi", visibility=visibility)
    assert status["visibility"] == visibility
    assert (await show(api, status["id"], token)).json()["visibility"] == visibility


async def test_an_invalid_visibility_is_422(api: Api) -> None:
    token = await api.register("alice")
    response = await api.client.post(
        "/api/v1/statuses", headers=bearer(token), data={"status": "Hi", "visibility": "everyone"}
    )
    assert response.status_code == 422
    assert "error" in response.json()
    assert (await me(api, token))["statuses_count"] == 0


async def test_a_retry_with_the_same_idempotency_key_returns_the_same_status(api: Api) -> None:
    token = await api.register("alice")
    headers = {**bearer(token), "Idempotency-Key": "post-1"}
    first = await api.client.post("/api/v1/statuses", headers=headers, data={"status": "Once"})
    retry = await api.client.post("/api/v1/statuses", headers=headers, data={"status": "Once"})
    assert first.status_code == retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert (await me(api, token))["statuses_count"] == 1


async def test_concurrent_retries_with_one_idempotency_key_create_one_status(api: Api) -> None:
    token = await api.register("alice")
    headers = {**bearer(token), "Idempotency-Key": "post-2"}
    responses = await all_at_once(
        api.client.post("/api/v1/statuses", headers=headers, data={"status": "Once"})
        for _ in range(5)
    )
    assert [r.status_code for r in responses] == [200] * 5
    assert len({r.json()["id"] for r in responses}) == 1
    assert (await me(api, token))["statuses_count"] == 1


async def test_a_new_idempotency_key_posts_a_new_status(api: Api) -> None:
    token = await api.register("alice")
    first = await api.client.post(
        "/api/v1/statuses",
        headers={**bearer(token), "Idempotency-Key": "a"},
        data={"status": "Same text"},
    )
    second = await api.client.post(
        "/api/v1/statuses",
        headers={**bearer(token), "Idempotency-Key": "b"},
        data={"status": "Same text"},
    )
    assert first.json()["id"] != second.json()["id"]
    assert (await me(api, token))["statuses_count"] == 2


async def test_idempotency_keys_belong_to_one_account(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    first = await api.client.post(
        "/api/v1/statuses",
        headers={**bearer(alice), "Idempotency-Key": "same"},
        data={"status": "Hi"},
    )
    second = await api.client.post(
        "/api/v1/statuses",
        headers={**bearer(bob), "Idempotency-Key": "same"},
        data={"status": "Hi"},
    )
    assert second.status_code == 200
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["account"]["username"] == "bob"


async def test_an_idempotency_key_expires_after_an_hour(api: Api, clock: FakeClock) -> None:
    token = await api.register("alice")
    headers = {**bearer(token), "Idempotency-Key": "hourly"}
    first = await api.client.post("/api/v1/statuses", headers=headers, data={"status": "Hi"})
    clock.advance(hours=1, minutes=1)
    later = await api.client.post("/api/v1/statuses", headers=headers, data={"status": "Hi"})
    assert later.status_code == 200
    assert later.json()["id"] != first.json()["id"]
    assert (await me(api, token))["statuses_count"] == 2


# Content


async def test_markup_in_a_status_is_escaped(api: Api) -> None:
    text = """<script>alert(1)</script> "><img src=x onerror=alert(1)> 'quotes' & "more" """
    status = await post(api, await api.register("alice"), text)
    content = status["content"]
    parsed = markup(content)
    assert {tag for tag, _ in parsed.tags} <= {"p", "br"}
    assert "<script" not in content and "<img" not in content
    assert "&lt;script&gt;" in content and "&amp;" in content
    assert html.unescape("".join(parsed.text)) == text.strip()


async def test_urls_become_links(api: Api) -> None:
    status = await post(api, await api.register("alice"), "Read https://example.com/a?b=1&c=2 now")
    (link,) = links(status["content"])
    assert link["href"] == "https://example.com/a?b=1&c=2"
    assert "nofollow" in (link["rel"] or "")


async def test_a_mention_of_a_local_account_becomes_a_link_and_a_mention(api: Api) -> None:
    alice = await api.register("alice")
    bob = await me(api, await api.register("bob"))
    status = await post(api, alice, "Hi @bob!")
    (link,) = links(status["content"])
    assert link["href"] == bob["url"]
    assert "mention" in (link["class"] or "")
    assert [(m["id"], m["username"], m["acct"]) for m in status["mentions"]] == [
        (bob["id"], "bob", "bob")
    ]
    assert status["mentions"][0]["url"] == bob["url"]


async def test_a_mention_of_an_unknown_user_stays_plain_text(api: Api) -> None:
    status = await post(api, await api.register("alice"), "Hi @nobody")
    assert links(status["content"]) == []
    assert "@nobody" in status["content"]
    assert status["mentions"] == []


async def test_a_hashtag_becomes_a_link_and_a_tag(api: Api) -> None:
    status = await post(api, await api.register("alice"), "Loving #Chirp today")
    (link,) = links(status["content"])
    assert link["href"] == "http://chirp.test/tags/chirp"
    assert "hashtag" in (link["class"] or "")
    assert [t["name"].lower() for t in status["tags"]] == ["chirp"]
    assert status["tags"][0]["url"] == "http://chirp.test/tags/chirp"


# Reading, deleting and editing


async def test_an_unknown_status_is_404(api: Api) -> None:
    token = await api.register("alice")
    for status_id in ("123", "not-a-number", "-1", "99999999999999999999999"):
        response = await show(api, status_id, token)
        assert response.status_code == 404, status_id
        assert "error" in response.json()


async def test_deleting_answers_the_status_with_its_source_text(api: Api) -> None:
    token = await api.register("alice")
    status = await post(api, token, "Gone <soon> & #forever")
    response = await api.client.delete(f"/api/v1/statuses/{status['id']}", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["id"] == status["id"]
    assert response.json()["text"] == "Gone <soon> & #forever"


async def test_a_deleted_status_is_404(api: Api) -> None:
    token = await api.register("alice")
    status = await post(api, token)
    await api.client.delete(f"/api/v1/statuses/{status['id']}", headers=bearer(token))
    assert (await show(api, status["id"], token)).status_code == 404
    assert (await show(api, status["id"])).status_code == 404


async def test_only_the_author_may_delete_a_status(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice)
    response = await api.client.delete(f"/api/v1/statuses/{status['id']}", headers=bearer(bob))
    assert response.status_code == 404
    assert (await show(api, status["id"], alice)).status_code == 200


async def test_editing_changes_the_status(api: Api) -> None:
    token = await api.register("alice")
    status = await post(api, token, "Frist")
    response = await api.client.put(
        f"/api/v1/statuses/{status['id']}", headers=bearer(token), data={"status": "First #fix"}
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["id"] == status["id"]
    assert "First" in edited["content"] and "Frist" not in edited["content"]
    assert edited["edited_at"] is not None
    assert [t["name"].lower() for t in edited["tags"]] == ["fix"]
    assert (await show(api, status["id"])).json()["content"] == edited["content"]
    source = await api.client.get(f"/api/v1/statuses/{status['id']}/source", headers=bearer(token))
    assert source.json()["text"] == "First #fix"


async def test_only_the_author_may_edit_a_status(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice, "Mine")
    response = await api.client.put(
        f"/api/v1/statuses/{status['id']}", headers=bearer(bob), data={"status": "Yours"}
    )
    # Mastodon finds the status among the caller's own (404); a 403 refuses just as well.
    assert response.status_code in (403, 404)
    assert (await show(api, status["id"])).json()["content"] == "<p>Mine</p>"


async def test_an_edit_to_a_blank_status_is_422(api: Api) -> None:
    token = await api.register("alice")
    status = await post(api, token, "Mine")
    response = await api.client.put(
        f"/api/v1/statuses/{status['id']}", headers=bearer(token), data={"status": " "}
    )
    assert response.status_code == 422
    assert (await show(api, status["id"])).json()["content"] == "<p>Mine</p>"


async def test_history_lists_every_version_oldest_first(api: Api, clock: FakeClock) -> None:
    token = await api.register("alice")
    status = await post(api, token, "One")
    for text in ("Two", "Three"):
        clock.advance(minutes=1)
        response = await api.client.put(
            f"/api/v1/statuses/{status['id']}", headers=bearer(token), data={"status": text}
        )
        assert response.status_code == 200
    history = await api.client.get(f"/api/v1/statuses/{status['id']}/history")
    assert history.status_code == 200
    versions = history.json()
    assert [v["content"] for v in versions] == ["<p>One</p>", "<p>Two</p>", "<p>Three</p>"]
    assert [v["created_at"] for v in versions] == sorted(v["created_at"] for v in versions)
    assert len({v["created_at"] for v in versions}) == 3
    assert all(v["account"]["username"] == "alice" for v in versions)


async def test_history_of_an_unedited_status_is_the_original(api: Api) -> None:
    token = await api.register("alice")
    status = await post(api, token, "Only version")
    history = await api.client.get(
        f"/api/v1/statuses/{status['id']}/history", headers=bearer(token)
    )
    assert [v["content"] for v in history.json()] == ["<p>Only version</p>"]


async def test_source_answers_the_plain_text(api: Api) -> None:
    token = await api.register("alice")
    status = await post(api, token, "Raw <b>text</b> & #tag", spoiler_text="CW")
    response = await api.client.get(
        f"/api/v1/statuses/{status['id']}/source", headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": status["id"],
        "text": "Raw <b>text</b> & #tag",
        "spoiler_text": "CW",
    }


async def test_source_is_for_the_author_only(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice, "Raw text")
    response = await api.client.get(f"/api/v1/statuses/{status['id']}/source", headers=bearer(bob))
    assert response.status_code in (403, 404)
    assert "Raw text" not in response.text


# Threads


async def test_context_lists_ancestors_and_descendants_in_thread_order(api: Api) -> None:
    alice, bob, carol = [await api.register(n) for n in ("alice", "bob", "carol")]
    root = await post(api, alice, "Root")
    b1 = await post(api, bob, "@alice B1", in_reply_to_id=root["id"])
    a2 = await post(api, alice, "@bob A2", in_reply_to_id=b1["id"])
    c1 = await post(api, carol, "@alice C1", in_reply_to_id=root["id"])
    b3 = await post(api, bob, "@alice B3", in_reply_to_id=a2["id"])

    def ids(statuses: list[dict[str, Any]]) -> list[str]:
        return [s["id"] for s in statuses]

    of_root = (await api.client.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert of_root["ancestors"] == []
    assert ids(of_root["descendants"]) == [b1["id"], a2["id"], b3["id"], c1["id"]]
    of_a2 = (await api.client.get(f"/api/v1/statuses/{a2['id']}/context")).json()
    assert ids(of_a2["ancestors"]) == [root["id"], b1["id"]]
    assert ids(of_a2["descendants"]) == [b3["id"]]


async def test_context_leaves_out_what_the_viewer_may_not_see(api: Api) -> None:
    alice, dave, erin, carol = [await api.register(n) for n in ("alice", "dave", "erin", "carol")]
    vic = await api.register("vic")
    await follow(api, vic, erin)
    root = await post(api, alice, "Root")
    public = await post(api, carol, "@alice public", in_reply_to_id=root["id"])
    await post(api, dave, "@alice private", in_reply_to_id=root["id"], visibility="private")
    followed = await post(
        api, erin, "@alice private", in_reply_to_id=root["id"], visibility="private"
    )
    await post(api, carol, "@alice direct", in_reply_to_id=root["id"], visibility="direct")
    to_vic = await post(
        api, carol, "@alice @vic direct", in_reply_to_id=root["id"], visibility="direct"
    )
    context = await api.client.get(f"/api/v1/statuses/{root['id']}/context", headers=bearer(vic))
    assert context.status_code == 200
    assert [s["id"] for s in context.json()["descendants"]] == [
        public["id"],
        followed["id"],
        to_vic["id"],
    ]
    everything = await api.client.get(
        f"/api/v1/statuses/{root['id']}/context", headers=bearer(alice)
    )
    assert len(everything.json()["descendants"]) == 5


async def test_context_leaves_out_ancestors_the_viewer_may_not_see(api: Api) -> None:
    alice, bob, vic = [await api.register(n) for n in ("alice", "bob", "vic")]
    root = await post(api, alice, "Root")
    hidden = await post(api, bob, "@alice private", in_reply_to_id=root["id"], visibility="private")
    leaf = await post(api, alice, "@bob public", in_reply_to_id=hidden["id"])
    context = await api.client.get(f"/api/v1/statuses/{leaf['id']}/context", headers=bearer(vic))
    assert context.status_code == 200
    assert [s["id"] for s in context.json()["ancestors"]] == [root["id"]]
    anonymous = await api.client.get(f"/api/v1/statuses/{leaf['id']}/context")
    assert [s["id"] for s in anonymous.json()["ancestors"]] == [root["id"]]


# Favourites, reblogs, bookmarks, pins


async def test_favouriting_marks_and_counts_the_status(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice)
    response = await act(api, bob, status["id"], "favourite")
    assert response.status_code == 200
    assert response.json()["id"] == status["id"]
    assert response.json()["favourited"] is True
    assert response.json()["favourites_count"] == 1
    assert (await show(api, status["id"], alice)).json()["favourited"] is False
    assert (await show(api, status["id"], bob)).json()["favourited"] is True


async def test_favouriting_twice_counts_once(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice)
    await act(api, bob, status["id"], "favourite")
    again = await act(api, bob, status["id"], "favourite")
    assert again.status_code == 200
    assert again.json()["favourites_count"] == 1
    assert (await show(api, status["id"])).json()["favourites_count"] == 1


async def test_unfavouriting_takes_the_favourite_back(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice)
    await act(api, bob, status["id"], "favourite")
    response = await act(api, bob, status["id"], "unfavourite")
    assert response.status_code == 200
    assert response.json()["favourited"] is False
    assert response.json()["favourites_count"] == 0
    twice = await act(api, bob, status["id"], "unfavourite")
    assert twice.json()["favourites_count"] == 0


async def test_a_reblog_answers_a_wrapper_around_the_original(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice, "Boost me")
    response = await act(api, bob, status["id"], "reblog")
    assert response.status_code == 200
    wrapper = response.json()
    assert wrapper["id"] != status["id"]
    assert wrapper["account"]["username"] == "bob"
    assert wrapper["reblogged"] is True
    assert wrapper["reblog"]["id"] == status["id"]
    assert wrapper["reblog"]["content"] == "<p>Boost me</p>"
    assert wrapper["reblog"]["reblogged"] is True
    assert wrapper["reblog"]["reblogs_count"] == 1
    assert (await show(api, status["id"], bob)).json()["reblogged"] is True


async def test_reblogging_twice_counts_once(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice)
    first = await act(api, bob, status["id"], "reblog")
    again = await act(api, bob, status["id"], "reblog")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert (await show(api, status["id"])).json()["reblogs_count"] == 1
    assert (await me(api, bob))["statuses_count"] == 1


async def test_unreblogging_answers_the_original(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice)
    wrapper = (await act(api, bob, status["id"], "reblog")).json()
    response = await act(api, bob, status["id"], "unreblog")
    assert response.status_code == 200
    assert response.json()["id"] == status["id"]
    assert response.json()["reblogged"] is False
    assert response.json()["reblogs_count"] == 0
    assert (await show(api, wrapper["id"], bob)).status_code == 404
    assert (await me(api, bob))["statuses_count"] == 0


async def test_reblogging_someone_elses_private_status_is_403(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    await follow(api, bob, alice)
    status = await post(api, alice, "Followers only", visibility="private")
    assert (await show(api, status["id"], bob)).status_code == 200
    response = await act(api, bob, status["id"], "reblog")
    assert response.status_code == 403
    assert (await show(api, status["id"], alice)).json()["reblogs_count"] == 0


async def test_reblogging_a_direct_status_is_refused(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice, "@bob secret", visibility="direct")
    assert (await show(api, status["id"], bob)).status_code == 200
    response = await act(api, bob, status["id"], "reblog")
    assert response.status_code in (403, 404)
    assert (await show(api, status["id"], alice)).json()["reblogs_count"] == 0


async def test_bookmarking_marks_the_status_for_the_viewer_only(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice)
    response = await act(api, bob, status["id"], "bookmark")
    assert response.status_code == 200
    assert response.json()["bookmarked"] is True
    assert (await show(api, status["id"], bob)).json()["bookmarked"] is True
    assert (await show(api, status["id"], alice)).json()["bookmarked"] is False
    undone = await act(api, bob, status["id"], "unbookmark")
    assert undone.status_code == 200
    assert undone.json()["bookmarked"] is False


async def test_pinning_marks_ones_own_status(api: Api) -> None:
    token = await api.register("alice")
    status = await post(api, token)
    response = await act(api, token, status["id"], "pin")
    assert response.status_code == 200
    assert response.json()["pinned"] is True
    assert (await show(api, status["id"], token)).json()["pinned"] is True
    undone = await act(api, token, status["id"], "unpin")
    assert undone.status_code == 200
    assert undone.json()["pinned"] is False


async def test_pinning_someone_elses_status_is_422(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice)
    response = await act(api, bob, status["id"], "pin")
    assert response.status_code == 422
    assert "error" in response.json()
    assert (await show(api, status["id"], bob)).json()["pinned"] is False


async def test_pinning_a_sixth_status_is_422(api: Api) -> None:
    token = await api.register("alice")
    statuses = [await post(api, token, f"Post {n}") for n in range(6)]
    for status in statuses[:5]:
        assert (await act(api, token, status["id"], "pin")).status_code == 200
    response = await act(api, token, statuses[5]["id"], "pin")
    assert response.status_code == 422
    assert (await show(api, statuses[5]["id"], token)).json()["pinned"] is False


async def test_deleting_a_pinned_status_frees_its_pin(api: Api) -> None:
    token = await api.register("alice")
    statuses = [await post(api, token, f"Post {n}") for n in range(6)]
    for status in statuses[:5]:
        assert (await act(api, token, status["id"], "pin")).status_code == 200
    await api.client.delete(f"/api/v1/statuses/{statuses[0]['id']}", headers=bearer(token))
    response = await act(api, token, statuses[5]["id"], "pin")
    assert response.status_code == 200, response.text
    assert response.json()["pinned"] is True


async def test_pinning_a_direct_status_is_422(api: Api) -> None:
    token = await api.register("alice")
    await api.register("bob")
    status = await post(api, token, "@bob hi", visibility="direct")
    response = await act(api, token, status["id"], "pin")
    assert response.status_code == 422


async def test_favourited_by_lists_the_accounts_newest_first(api: Api) -> None:
    alice = await api.register("alice")
    status = await post(api, alice)
    fans = ["fan0", "fan1", "fan2"]
    for fan in fans:
        await act(api, await api.register(fan), status["id"], "favourite")
    response = await api.client.get(f"/api/v1/statuses/{status['id']}/favourited_by")
    assert response.status_code == 200
    assert [a["username"] for a in response.json()] == fans[::-1]


async def test_favourited_by_is_paged_with_a_link_header(api: Api) -> None:
    status = await post(api, await api.register("alice"))
    fans = [f"fan{n}" for n in range(3)]
    for fan in fans:
        await act(api, await api.register(fan), status["id"], "favourite")
    first = await api.client.get(
        f"/api/v1/statuses/{status['id']}/favourited_by", params={"limit": 2}
    )
    assert [a["username"] for a in first.json()] == ["fan2", "fan1"]
    assert "next" in first.links and "prev" in first.links
    rest = await api.client.get(first.links["next"]["url"])
    assert [a["username"] for a in rest.json()] == ["fan0"]


async def test_reblogged_by_is_paged_with_a_link_header(api: Api) -> None:
    status = await post(api, await api.register("alice"))
    fans = [f"fan{n}" for n in range(3)]
    for fan in fans:
        assert (await act(api, await api.register(fan), status["id"], "reblog")).status_code == 200
    first = await api.client.get(
        f"/api/v1/statuses/{status['id']}/reblogged_by", params={"limit": 2}
    )
    assert first.status_code == 200
    assert [a["username"] for a in first.json()] == ["fan2", "fan1"]
    assert "next" in first.links
    rest = await api.client.get(first.links["next"]["url"])
    assert [a["username"] for a in rest.json()] == ["fan0"]


# Counters


async def test_replies_count_follows_replies_and_their_deletion(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    parent = await post(api, alice)
    reply = await post(api, bob, "@alice Re", in_reply_to_id=parent["id"])
    assert (await show(api, parent["id"])).json()["replies_count"] == 1
    await api.client.delete(f"/api/v1/statuses/{reply['id']}", headers=bearer(bob))
    assert (await show(api, parent["id"])).json()["replies_count"] == 0


async def test_statuses_count_follows_posts_and_deletes(api: Api) -> None:
    token = await api.register("alice")
    account_id = (await me(api, token))["id"]
    first = await post(api, token, "One")
    await post(api, token, "Two")
    assert (await account(api, account_id))["statuses_count"] == 2
    await api.client.delete(f"/api/v1/statuses/{first['id']}", headers=bearer(token))
    assert (await account(api, account_id))["statuses_count"] == 1


async def test_deleting_a_status_takes_its_reblogs_with_it(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    status = await post(api, alice)
    wrapper = (await act(api, bob, status["id"], "reblog")).json()
    await api.client.delete(f"/api/v1/statuses/{status['id']}", headers=bearer(alice))
    assert (await show(api, wrapper["id"], bob)).status_code == 404
    assert (await me(api, bob))["statuses_count"] == 0


# Concurrency


async def test_fifty_concurrent_favourites_count_fifty(api: Api) -> None:
    status = await post(api, await api.register("alice"))
    app = await api.create_app()
    fans = [await api.register(f"fan{n}", app=app) for n in range(50)]
    responses = await all_at_once(act(api, fan, status["id"], "favourite") for fan in fans)
    assert [r.status_code for r in responses] == [200] * 50
    assert (await show(api, status["id"])).json()["favourites_count"] == 50


async def test_concurrent_favourites_by_one_account_count_once(api: Api) -> None:
    status = await post(api, await api.register("alice"))
    fan = await api.register("fan")
    responses = await all_at_once(act(api, fan, status["id"], "favourite") for _ in range(10))
    assert [r.status_code for r in responses] == [200] * 10
    assert all(r.json()["favourited"] for r in responses)
    assert (await show(api, status["id"])).json()["favourites_count"] == 1


async def test_concurrent_reblogs_by_one_account_make_one_reblog(api: Api) -> None:
    alice, fan = await api.register("alice"), await api.register("fan")
    status = await post(api, alice)
    responses = await all_at_once(act(api, fan, status["id"], "reblog") for _ in range(10))
    assert [r.status_code for r in responses] == [200] * 10
    assert len({r.json()["id"] for r in responses}) == 1
    assert (await show(api, status["id"])).json()["reblogs_count"] == 1
    assert (await me(api, fan))["statuses_count"] == 1


async def test_concurrent_bookmarks_by_one_account_all_answer_bookmarked(api: Api) -> None:
    status = await post(api, await api.register("alice"))
    fan = await api.register("fan")
    responses = await all_at_once(act(api, fan, status["id"], "bookmark") for _ in range(10))
    assert [r.status_code for r in responses] == [200] * 10
    assert all(r.json()["bookmarked"] for r in responses)


# Access control


@pytest.mark.parametrize("route", STATUS_ROUTES, ids=route_id)
async def test_a_private_status_is_404_to_someone_not_following(
    api: Api, route: tuple[str, str]
) -> None:
    alice, eve = await api.register("alice"), await api.register("eve")
    status = await post(api, alice, "Followers only", visibility="private")
    response = await call(api, route[0], status["id"], route[1], bearer(eve))
    assert response.status_code == 404, response.text
    assert "Followers only" not in response.text
    untouched = (await show(api, status["id"], alice)).json()
    assert untouched["content"] == "<p>Followers only</p>"
    assert (untouched["favourites_count"], untouched["reblogs_count"]) == (0, 0)


@pytest.mark.parametrize("route", STATUS_ROUTES, ids=route_id)
async def test_a_direct_status_is_404_to_someone_not_mentioned(
    api: Api, route: tuple[str, str]
) -> None:
    alice, eve = await api.register("alice"), await api.register("eve")
    await api.register("bob")
    await follow(api, eve, alice)
    status = await post(api, alice, "@bob Just us", visibility="direct")
    response = await call(api, route[0], status["id"], route[1], bearer(eve))
    assert response.status_code == 404, response.text
    assert "Just us" not in response.text
    untouched = (await show(api, status["id"], alice)).json()
    assert "Just us" in untouched["content"]
    assert (untouched["favourites_count"], untouched["reblogs_count"]) == (0, 0)


@pytest.mark.parametrize(
    "route", [r for r in STATUS_ROUTES if r[0] == "GET" and r[1] != "/source"], ids=route_id
)
async def test_a_private_status_is_404_without_a_token(api: Api, route: tuple[str, str]) -> None:
    status = await post(api, await api.register("alice"), "Followers only", visibility="private")
    response = await call(api, route[0], status["id"], route[1], {})
    assert response.status_code == 404
    assert "Followers only" not in response.text


async def test_a_follower_sees_a_private_status(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    await follow(api, bob, alice)
    status = await post(api, alice, "Followers only", visibility="private")
    assert (await show(api, status["id"], bob)).status_code == 200


@pytest.mark.parametrize("route", [*WRITE_ROUTES, ("GET", "/source")], ids=route_id)
async def test_routes_needing_a_user_are_401_without_a_token(
    api: Api, route: tuple[str, str]
) -> None:
    token = await api.register("alice")
    status = await post(api, token)
    response = await call(api, route[0], status["id"], route[1], {})
    assert response.status_code == 401
    assert "error" in response.json()
    assert (await show(api, status["id"])).json()["content"] == "<p>Hello, world</p>"


async def test_posting_without_a_token_is_401(api: Api) -> None:
    response = await api.client.post("/api/v1/statuses", data={"status": "Hi"})
    assert response.status_code == 401
    assert "error" in response.json()


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=route_id)
async def test_write_routes_are_403_with_a_read_only_token(
    api: Api, route: tuple[str, str]
) -> None:
    writer = await api.register("alice")
    status = await post(api, writer)
    reader = await narrow_token(api, "bob")
    response = await call(api, route[0], status["id"], route[1], bearer(reader))
    assert response.status_code == 403
    assert response.json() == {"error": "This action is outside the authorized scopes"}
    after = (await show(api, status["id"])).json()
    assert after["content"] == "<p>Hello, world</p>"
    assert (after["favourites_count"], after["reblogs_count"]) == (0, 0)


async def test_posting_with_a_read_only_token_is_403(api: Api) -> None:
    reader = await narrow_token(api, "bob")
    status = await post(api, await api.register("alice"))
    assert (await show(api, status["id"], reader)).status_code == 200
    response = await api.client.post(
        "/api/v1/statuses", headers=bearer(reader), data={"status": "Hi"}
    )
    assert response.status_code == 403
    assert (await me(api, reader))["statuses_count"] == 0


@pytest.mark.parametrize(
    "route,scope,other",
    [
        (("POST", "/favourite"), "write:favourites", "write:bookmarks"),
        (("POST", "/bookmark"), "write:bookmarks", "write:favourites"),
        (("POST", "/reblog"), "write:statuses", "write:favourites"),
        (("POST", "/pin"), "write:accounts", "write:statuses"),
        (("PUT", ""), "write:statuses", "write:accounts"),
        (("DELETE", ""), "write:statuses", "write:accounts"),
    ],
    ids=lambda v: route_id(v) if isinstance(v, tuple) else v,
)
async def test_each_write_route_takes_its_granular_scope(
    api: Api, route: tuple[str, str], scope: str, other: str
) -> None:
    full, narrow = await full_and_narrow_tokens(api, "alice", f"read {scope}")
    full_too, wrong = await full_and_narrow_tokens(api, "bob", f"read {other}")
    own_route = route[1] in ("", "/pin")
    target = await post(api, full if own_route else await api.register("carol"))
    wrong_target = await post(api, full_too) if own_route else target
    refused = await call(api, route[0], wrong_target["id"], route[1], bearer(wrong))
    assert refused.status_code == 403
    allowed = await call(api, route[0], target["id"], route[1], bearer(narrow))
    assert allowed.status_code == 200, allowed.text
