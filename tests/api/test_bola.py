"""A sweep of every route that names an object by id (broken object-level authorization,
OWASP API1): bob, an ordinary user, asks for alice's objects that are not his, and every
route answers 404 or 403 and changes nothing alice can see.

The routes come from the OpenAPI document, so a new ``{id}`` route fails this test until it
gets a case here: either the objects bob must not reach through it, or the reason it has
none (an account or a hashtag is public, and acting on one changes only the viewer's own
relations to it)."""

from __future__ import annotations

from typing import Any

import httpx

from chirp.app import create_app
from chirp.moderation import service as moderation
from chirp.moderation.schemas import DomainBlockCreate
from chirp.moderation.service import OPERATOR
from chirp.runtime import Runtime
from tests import media_files
from tests.api.test_graph import lock
from tests.api.test_media import uploaded
from tests.conftest import Api, User, post, user

REFUSED = (403, 404)

# Routes whose ids name public things: what they change is the viewer's own relation.
PUBLIC: dict[str, str] = {
    "/api/v1/accounts/{account_id}": "accounts are public",
    "/api/v1/accounts/{account_id}/follow": "the viewer's own follow",
    "/api/v1/accounts/{account_id}/unfollow": "the viewer's own follow",
    "/api/v1/accounts/{account_id}/block": "the viewer's own block",
    "/api/v1/accounts/{account_id}/unblock": "the viewer's own block",
    "/api/v1/accounts/{account_id}/mute": "the viewer's own mute",
    "/api/v1/accounts/{account_id}/unmute": "the viewer's own mute",
    "/api/v1/accounts/{account_id}/followers": "public lists (hidden graphs: not built)",
    "/api/v1/accounts/{account_id}/following": "public lists (hidden graphs: not built)",
    "/api/v1/accounts/{account_id}/statuses": "filtered by visibility: test_visibility_edges",
    "/api/v1/timelines/tag/{hashtag}": "hashtags are public",
    "/api/v1/tags/{name}": "hashtags are public",
    "/api/v1/tags/{name}/follow": "the viewer's own tag follow",
    "/api/v1/tags/{name}/unfollow": "the viewer's own tag follow",
}

# Status routes that only the author may use, also on statuses everyone can see.
AUTHOR_ONLY = {
    ("delete", "/api/v1/statuses/{status_id}"),
    ("put", "/api/v1/statuses/{status_id}"),
    ("get", "/api/v1/statuses/{status_id}/source"),
}


def _operations(rt: Runtime) -> list[tuple[str, str]]:
    spec = create_app(runtime=rt).openapi()
    return sorted(
        (method, path)
        for path, operations in spec["paths"].items()
        if "{" in path
        for method in operations
    )


async def _send(client: httpx.AsyncClient, who: User, method: str, path: str) -> httpx.Response:
    body: dict[str, Any] = {}
    if method == "put" and "/statuses/" in path:
        body = {"data": {"status": "taken over"}}
    elif method == "put":
        body = {"data": {"description": "taken over"}}
    return await client.request(method.upper(), path, headers=who.auth, **body)


async def test_no_route_reaches_another_users_objects(api: Api, rt: Runtime) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    client = api.client
    # Alice's objects: statuses bob may not see, one he may see but not change, her
    # notification, her media, and a follow request made to her.
    objects: dict[str, list[str]] = {
        "status_id": [
            await post(api, alice, "for my followers", visibility="private"),
            await post(api, alice, "@carol between us", visibility="direct"),
        ],
    }
    public = await post(api, alice, "everyone may read this")
    await client.post(f"/api/v1/statuses/{public}/favourite", headers=carol.auth)
    notifications = (await client.get("/api/v1/notifications", headers=alice.auth)).json()
    objects["notification_id"] = [n["id"] for n in notifications]
    image = media_files.jpeg()
    objects["media_id"] = [(await uploaded(client, alice, image, description="mine"))["id"]]
    await lock(api, alice)
    await client.post(f"/api/v1/accounts/{carol.id}/follow", headers=alice.auth)
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=carol.auth)
    requested = carol.id  # (alice follows carol already: the request is carol's to alice)
    assert objects["notification_id"], "carol's favourite notified alice"
    # Staff-only objects: alice's account through the admin API (bob is no moderator), the
    # report alice filed, and a domain block.
    objects["account_id"] = [alice.id]
    filed = await client.post("/api/v1/reports", headers=alice.auth, data={"account_id": carol.id})
    objects["report_id"] = [filed.json()["id"]]
    blocked = DomainBlockCreate(domain="spam.example")
    objects["block_id"] = [(await moderation.create_domain_block(rt, OPERATOR, blocked))["id"]]

    before = await _what_alice_sees(client, alice, objects, public)
    swept: list[tuple[str, str]] = []
    for method, path in _operations(rt):
        if path in PUBLIC:
            continue
        name = path[path.index("{") + 1 : path.index("}")]
        if path.startswith("/api/v1/follow_requests/"):
            ids = [requested]  # a request made to alice, answered by bob
        elif (method, path) in AUTHOR_ONLY:
            ids = [*objects[name], public]
        else:
            assert name in objects, f"{method.upper()} {path}: give it a case in this sweep"
            ids = objects[name]
        for object_id in ids:
            answer = await _send(client, bob, method, path.replace("{" + name + "}", object_id))
            assert answer.status_code in REFUSED, (method, path, object_id, answer.text)
            assert "error" in answer.json(), (method, path)
        swept.append((method, path))
    assert await _what_alice_sees(client, alice, objects, public) == before
    # Nothing staff see changed: alice's standing, her report, the domain block.
    account = await moderation.get_account(rt, alice.id)
    assert not any(account[flag] for flag in ("suspended", "silenced", "disabled", "sensitized"))
    report = await moderation.get_report(rt, objects["report_id"][0])
    assert (report["action_taken"], report["assigned_account"]) == (False, None)
    block = await moderation.get_domain_block(rt, objects["block_id"][0])
    assert (block["severity"], block["reject_media"]) == ("silence", False)
    # The request is still alice's to answer.
    requests = (await client.get("/api/v1/follow_requests", headers=alice.auth)).json()
    assert [a["id"] for a in requests] == [carol.id]
    assert len(swept) >= 35, swept  # every status, notification, media, request, admin route


async def _what_alice_sees(
    client: httpx.AsyncClient, alice: User, objects: dict[str, list[str]], public: str
) -> list[Any]:
    seen: list[Any] = []
    for status_id in [*objects["status_id"], public]:
        status = (await client.get(f"/api/v1/statuses/{status_id}", headers=alice.auth)).json()
        status.pop("account", None)  # (its counters move with alice's own posts only)
        seen.append(status)
        for part in ("favourited_by", "reblogged_by", "context"):
            url = f"/api/v1/statuses/{status_id}/{part}"
            seen.append((await client.get(url, headers=alice.auth)).json())
    for notification_id in objects["notification_id"]:
        url = f"/api/v1/notifications/{notification_id}"
        seen.append((await client.get(url, headers=alice.auth)).json())
    for media_id in objects["media_id"]:
        url = f"/api/v1/media/{media_id}"
        seen.append((await client.get(url, headers=alice.auth)).json())
    pinned = await client.get(
        f"/api/v1/accounts/{alice.id}/statuses", params={"pinned": "true"}, headers=alice.auth
    )
    seen.append(pinned.json())
    return seen
