"""Moderation over HTTP: who may use the admin API, what suspending, silencing, disabling
and marking sensitive do to everyone's view (on the hot path and off it), their undoing,
reports from users to staff, domain blocks, and the audit log every action writes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
from redis.asyncio import Redis

from chirp.accounts.repository import AccountRepository
from chirp.accounts.standing import Standing
from chirp.moderation import operator
from chirp.runtime import Runtime
from tests.conftest import PASSWORD, Api, User, bearer, post, user
from tests.streaming import live_server, sse

ADMIN_SCOPES = "read write follow push admin:read admin:write"


async def staff(api: Api, rt: Runtime, name: str, role: str = "admin") -> User:
    """An account with ``role`` and a token holding the admin scopes."""
    app = await api.create_app(scopes=ADMIN_SCOPES)
    await api.register(name, app=app)
    await operator.set_role(rt, name, role)
    token = await _token(api, app, name)
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    return User(me.json()["id"], token)


async def moderate(api: Api, admin: User, target: User, action: str, **extra: str) -> None:
    response = await api.client.post(
        f"/api/v1/admin/accounts/{target.id}/action",
        headers=admin.auth,
        data={"type": action, **extra},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {}


async def undo(api: Api, admin: User, target: User, what: str) -> dict[str, Any]:
    response = await api.client.post(
        f"/api/v1/admin/accounts/{target.id}/{what}", headers=admin.auth
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def ids(api: Api, path: str, who: User | None, **params: str) -> list[str]:
    """The ids a list route answers, read twice (the second read may be a kept page)."""
    headers = who.auth if who else {}
    first = await api.client.get(path, headers=headers, params=params)
    assert first.status_code == 200, first.text
    again = await api.client.get(path, headers=headers, params=params)
    assert again.json() == first.json()
    return [item["id"] for item in first.json()]


async def search(api: Api, who: User, q: str, kind: str) -> list[str]:
    response = await api.client.get(
        "/api/v2/search", params={"q": q, "type": kind}, headers=who.auth
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()[kind]]


async def test_only_staff_with_admin_scopes_reach_the_admin_api(api: Api, rt: Runtime) -> None:
    admin = await staff(api, rt, "boss")
    moderator = await staff(api, rt, "moddy", "moderator")
    bob = await user(api, "bob")
    routes = [
        ("GET", "/api/v1/admin/accounts"),
        ("GET", "/api/v2/admin/accounts"),
        ("GET", f"/api/v1/admin/accounts/{bob.id}"),
        ("POST", f"/api/v1/admin/accounts/{bob.id}/action"),
        ("POST", f"/api/v1/admin/accounts/{bob.id}/unsuspend"),
        ("GET", "/api/v1/admin/reports"),
        ("GET", "/api/v1/admin/domain_blocks"),
        ("POST", "/api/v1/admin/domain_blocks"),
    ]
    for method, path in routes:
        refused = await api.client.request(method, path, headers=bob.auth)
        assert refused.status_code == 403, (path, refused.text)  # a user, even with no scope
        assert refused.json() == {"error": "This action is outside the authorized scopes"}
    # A staff role without the admin scopes is refused too.
    plain = await api.client.get("/api/v1/admin/accounts", headers=bearer(await _plain(api, rt)))
    assert plain.status_code == 403
    # A user holding the admin scopes but no role: Mastodon's words.
    app = await api.create_app(scopes=ADMIN_SCOPES)
    await api.register("eve", app=app)
    eve = await _token(api, app, "eve")
    no_role = await api.client.get("/api/v1/admin/accounts", headers=bearer(eve))
    assert no_role.status_code == 403
    assert no_role.json() == {"error": "This action is not allowed"}
    # Moderators handle accounts and reports; domain blocks are for admins.
    assert (await api.client.get("/api/v1/admin/reports", headers=moderator.auth)).is_success
    listed = await api.client.get("/api/v1/admin/domain_blocks", headers=moderator.auth)
    assert listed.status_code == 403
    assert (await api.client.get("/api/v1/admin/domain_blocks", headers=admin.auth)).is_success
    assert (await api.client.get("/api/v1/admin/nope", headers=admin.auth)).status_code == 404


async def _plain(api: Api, rt: Runtime) -> str:
    """An admin's token with only the ordinary scopes."""
    token = await api.register("plainboss")
    await operator.set_role(rt, "plainboss", "admin")
    return token


async def _token(api: Api, app: dict[str, Any], name: str) -> str:
    response = await _sign_in(api, name, app, ADMIN_SCOPES)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_staff_act_only_on_those_they_outrank(api: Api, rt: Runtime) -> None:
    admin = await staff(api, rt, "boss")
    other_admin = await staff(api, rt, "boss2")
    moderator = await staff(api, rt, "moddy", "moderator")
    for actor, target in ((admin, admin), (admin, other_admin), (moderator, admin)):
        refused = await api.client.post(
            f"/api/v1/admin/accounts/{target.id}/action",
            headers=actor.auth,
            data={"type": "suspend"},
        )
        assert refused.status_code == 403, refused.text
    await moderate(api, admin, moderator, "silence")  # an admin outranks a moderator
    missing = await api.client.post(
        "/api/v1/admin/accounts/123/action", headers=admin.auth, data={"type": "suspend"}
    )
    assert missing.status_code == 404
    bad = await api.client.post(
        f"/api/v1/admin/accounts/{moderator.id}/action",
        headers=admin.auth,
        data={"type": "explode"},
    )
    assert bad.status_code == 422 and "error" in bad.json()


async def test_a_suspended_account_is_gone_for_everyone_until_unsuspended(
    api: Api, rt: Runtime
) -> None:
    admin = await staff(api, rt, "boss")
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await api.client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.auth)
    root = await post(api, alice, "a thread about #moderation")
    posted = await post(api, bob, "walrus facts #moderation")
    reply = await post(api, bob, "@alice walrus reply", in_reply_to_id=root)
    reblog = await api.client.post(f"/api/v1/statuses/{posted}/reblog", headers=carol.auth)
    assert reblog.status_code == 200
    await api.client.post(f"/api/v1/statuses/{root}/favourite", headers=bob.auth)

    def views() -> list[tuple[str, User | None, dict[str, str]]]:
        return [
            ("/api/v1/timelines/home", alice, {}),
            ("/api/v1/timelines/public", None, {}),
            ("/api/v1/timelines/public", carol, {}),
            ("/api/v1/timelines/tag/moderation", None, {}),
            (f"/api/v1/accounts/{bob.id}/statuses", alice, {}),
            (f"/api/v1/accounts/{carol.id}/statuses", None, {}),
        ]

    before = {(path, who): await ids(api, path, who, **p) for path, who, p in views()}
    assert posted in before[("/api/v1/timelines/home", alice)]
    assert await search(api, alice, "walrus", "statuses")
    assert bob.id in await search(api, alice, "bob", "accounts")

    await moderate(api, admin, bob, "suspend", text="spam")

    for path, who, params in views():
        shown = await ids(api, path, who, **params)
        assert posted not in shown and reply not in shown, path
        assert reblog.json()["id"] not in shown, path  # a reblog of it goes too
    for who in (None, alice, carol):
        headers = who.auth if who else {}
        one = await api.client.get(f"/api/v1/statuses/{posted}", headers=headers)
        assert one.status_code == 404
    context = await api.client.get(f"/api/v1/statuses/{root}/context", headers=alice.auth)
    assert context.json()["descendants"] == []
    assert await search(api, alice, "walrus", "statuses") == []
    assert bob.id not in await search(api, alice, "bob", "accounts")
    notified = await api.client.get("/api/v1/notifications", headers=alice.auth)
    assert all(n["account"]["id"] != bob.id for n in notified.json())
    # Its tokens stop working at once, and it cannot sign in again.
    assert (await api.client.get("/api/v1/timelines/home", headers=bob.auth)).status_code == 401
    verify = await api.client.get("/api/v1/accounts/verify_credentials", headers=bob.auth)
    assert verify.status_code == 401
    login = await api.password_grant(await api.create_app(), password=PASSWORD)
    assert login.status_code == 200  # alice still signs in
    refused = await _sign_in(api, "bob")
    assert refused.status_code == 403
    assert refused.json() == {"error": "Your login is currently disabled"}
    # Staff still see it, flagged.
    seen = await api.client.get(f"/api/v1/admin/accounts/{bob.id}", headers=admin.auth)
    assert seen.json()["suspended"] is True and seen.json()["account"]["id"] == bob.id

    restored = await undo(api, admin, bob, "unsuspend")
    assert restored["suspended"] is False
    after = {(path, who): await ids(api, path, who, **p) for path, who, p in views()}
    assert after == before
    assert (await api.client.get(f"/api/v1/statuses/{posted}")).status_code == 200
    assert (await api.client.get("/api/v1/timelines/home", headers=bob.auth)).status_code == 200
    assert (await _sign_in(api, "bob")).status_code == 200


async def _sign_in(
    api: Api, name: str, app: dict[str, Any] | None = None, scope: str | None = None
) -> httpx.Response:
    """A password grant for ``name`` (through a new app, unless given one)."""
    app = app or await api.create_app()
    data = {
        "grant_type": "password",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "username": f"{name}@example.com",
        "password": PASSWORD,
    }
    return await api.client.post(
        "/oauth/token", data={**data, **({"scope": scope} if scope else {})}
    )


async def test_a_silenced_account_reaches_only_its_followers(api: Api, rt: Runtime) -> None:
    admin = await staff(api, rt, "boss")
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await api.client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.auth)
    await moderate(api, admin, bob, "silence")
    loud = await post(api, bob, "quiet please #hush")
    assert loud in await ids(api, "/api/v1/timelines/home", alice)  # a follower
    assert loud in await ids(api, "/api/v1/timelines/public", alice)
    for who in (None, carol):  # not followers
        assert loud not in await ids(api, "/api/v1/timelines/public", who)
        assert loud not in await ids(api, "/api/v1/timelines/tag/hush", who)
        # Its own page still shows it to whoever opens it, as Mastodon's does.
        assert loud in await ids(api, f"/api/v1/accounts/{bob.id}/statuses", who)
    assert await search(api, alice, "quiet", "statuses") == [loud]
    assert await search(api, carol, "quiet", "statuses") == []
    reblogged = await api.client.post(f"/api/v1/statuses/{loud}/reblog", headers=alice.auth)
    assert reblogged.json()["id"] not in await ids(api, "/api/v1/timelines/public", carol)
    await undo(api, admin, bob, "unsilence")
    assert loud in await ids(api, "/api/v1/timelines/public", carol)


async def test_a_disabled_login_keeps_its_posts(api: Api, rt: Runtime) -> None:
    admin = await staff(api, rt, "boss")
    bob = await user(api, "bob")
    kept = await post(api, bob, "still here")
    await moderate(api, admin, bob, "disable")
    assert (await api.client.get("/api/v1/timelines/home", headers=bob.auth)).status_code == 401
    assert (await _sign_in(api, "bob")).status_code == 403
    assert kept in await ids(api, "/api/v1/timelines/public", None)
    enabled = await undo(api, admin, bob, "enable")
    assert enabled["disabled"] is False
    assert (await api.client.get("/api/v1/timelines/home", headers=bob.auth)).status_code == 200


async def test_a_sensitized_account_posts_sensitive_media(api: Api, rt: Runtime) -> None:
    admin = await staff(api, rt, "boss")
    bob = await user(api, "bob")
    await moderate(api, admin, bob, "sensitive")
    posted = await api.client.post(
        "/api/v1/statuses", headers=bob.auth, data={"status": "look", "sensitive": "false"}
    )
    assert posted.json()["sensitive"] is True
    edited = await api.client.put(
        f"/api/v1/statuses/{posted.json()['id']}",
        headers=bob.auth,
        data={"status": "look again", "sensitive": "false"},
    )
    assert edited.json()["sensitive"] is True
    assert (await undo(api, admin, bob, "unsensitive"))["sensitized"] is False
    later = await api.client.post("/api/v1/statuses", headers=bob.auth, data={"status": "ok"})
    assert later.json()["sensitive"] is False


async def test_reports_go_from_users_to_staff_and_get_resolved(api: Api, rt: Runtime) -> None:
    admin = await staff(api, rt, "boss")
    moderator = await staff(api, rt, "moddy", "moderator")
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    bad = await post(api, bob, "buy walrus coins")
    hidden = await post(api, bob, "for my followers", visibility="private")
    alices = await post(api, alice, "mine")
    filed = await api.client.post(
        "/api/v1/reports",
        headers=alice.auth,
        data={"account_id": bob.id, "status_ids[]": [bad], "comment": "spam", "category": "spam"},
    )
    assert filed.status_code == 200, filed.text
    report = filed.json()
    assert report["target_account"]["id"] == bob.id and report["status_ids"] == [bad]
    assert (report["category"], report["action_taken"], report["comment"]) == (
        "spam",
        False,
        "spam",
    )
    # A status that is not the account's, or that the reporter may not see: 404.
    for status_id in (alices, hidden):
        wrong = await api.client.post(
            "/api/v1/reports",
            headers=alice.auth,
            data={"account_id": bob.id, "status_ids[]": [status_id]},
        )
        assert wrong.status_code == 404
    missing = await api.client.post("/api/v1/reports", headers=alice.auth, data={"account_id": "9"})
    assert missing.status_code == 404
    second = await api.client.post(
        "/api/v1/reports", headers=carol.auth, data={"account_id": bob.id, "rule_ids[]": ["1"]}
    )
    assert second.json()["category"] == "violation"

    listed = await api.client.get("/api/v1/admin/reports", headers=moderator.auth)
    assert [r["id"] for r in listed.json()] == [second.json()["id"], report["id"]]
    one = (await api.client.get(f"/api/v1/admin/reports/{report['id']}", headers=admin.auth)).json()
    assert one["account"]["id"] == alice.id and one["target_account"]["id"] == bob.id
    assert [s["id"] for s in one["statuses"]] == [bad]
    assert one["target_account"]["account"]["username"] == "bob"

    path = f"/api/v1/admin/reports/{report['id']}"
    mine = (await api.client.post(f"{path}/assign_to_self", headers=moderator.auth)).json()
    assert mine["assigned_account"]["id"] == moderator.id
    updated = await api.client.put(path, headers=moderator.auth, data={"category": "legal"})
    assert updated.json()["category"] == "legal"
    resolved = (await api.client.post(f"{path}/resolve", headers=moderator.auth)).json()
    assert resolved["action_taken"] is True
    assert resolved["action_taken_by_account"]["id"] == moderator.id
    open_now = await api.client.get("/api/v1/admin/reports", headers=admin.auth)
    assert [r["id"] for r in open_now.json()] == [second.json()["id"]]
    done = await api.client.get(
        "/api/v1/admin/reports", headers=admin.auth, params={"resolved": "true"}
    )
    assert [r["id"] for r in done.json()] == [report["id"]]
    reopened = (await api.client.post(f"{path}/reopen", headers=moderator.auth)).json()
    assert reopened["action_taken"] is False
    # An action on the account resolves every open report on it.
    await moderate(api, admin, bob, "silence", report_id=report["id"])
    left = await api.client.get("/api/v1/admin/reports", headers=admin.auth)
    assert left.json() == []
    assert (await api.client.get("/api/v1/admin/reports/1", headers=admin.auth)).status_code == 404
    log = await operator.audit_lines(rt, 20)
    actions = [line.split()[2] for line in log]
    assert actions == [
        "silence",
        "reopen",
        "resolve",
        "update_report",
        "assign_to_self",
        "change_role",
        "change_role",
    ]


async def test_the_admin_account_lists_filter_as_mastodon(api: Api, rt: Runtime) -> None:
    admin = await staff(api, rt, "boss")
    await staff(api, rt, "moddy", "moderator")
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await moderate(api, admin, bob, "suspend")

    async def listed(path: str, **params: str) -> list[str]:
        response = await api.client.get(path, headers=admin.auth, params=params)
        assert response.status_code == 200, response.text
        return [a["username"] for a in response.json()]

    everyone = await listed("/api/v1/admin/accounts")
    assert everyone == ["bob", "alice", "moddy", "boss"]  # newest first
    assert await listed("/api/v1/admin/accounts", suspended="true") == ["bob"]
    assert await listed("/api/v1/admin/accounts", active="true") == ["alice", "moddy", "boss"]
    assert await listed("/api/v1/admin/accounts", staff="true") == ["moddy", "boss"]
    assert await listed("/api/v1/admin/accounts", username="al") == ["alice"]
    assert await listed("/api/v1/admin/accounts", email="ALICE@example") == ["alice"]
    assert await listed("/api/v1/admin/accounts", remote="true") == []
    assert await listed("/api/v2/admin/accounts", status="suspended") == ["bob"]
    assert await listed("/api/v2/admin/accounts", permissions="staff") == ["moddy", "boss"]
    assert await listed("/api/v2/admin/accounts", **{"role_ids[]": "1"}) == ["moddy"]
    assert await listed("/api/v2/admin/accounts", origin="remote") == []
    assert await listed("/api/v2/admin/accounts", limit="2") == ["bob", "alice"]
    page = await api.client.get("/api/v2/admin/accounts", headers=admin.auth, params={"limit": 2})
    assert 'rel="next"' in page.headers["link"]
    bad = await api.client.get("/api/v2/admin/accounts", headers=admin.auth, params={"status": "x"})
    assert bad.status_code == 422
    entity = (await api.client.get(f"/api/v1/admin/accounts/{alice.id}", headers=admin.auth)).json()
    assert entity["email"] == "alice@example.com" and entity["role"]["id"] == "-99"
    assert (entity["suspended"], entity["silenced"], entity["disabled"]) == (False, False, False)


async def test_domain_blocks_are_kept_for_later(api: Api, rt: Runtime) -> None:
    admin = await staff(api, rt, "boss")
    created = await api.client.post(
        "/api/v1/admin/domain_blocks",
        headers=admin.auth,
        data={"domain": "Spam.Example", "severity": "suspend", "public_comment": "spam"},
    )
    assert created.status_code == 200, created.text
    block = created.json()
    assert (block["domain"], block["severity"], block["public_comment"]) == (
        "spam.example",
        "suspend",
        "spam",
    )
    again = await api.client.post(
        "/api/v1/admin/domain_blocks", headers=admin.auth, data={"domain": "spam.example"}
    )
    assert again.status_code == 422
    assert again.json()["existing_domain_block"]["id"] == block["id"]
    for wrong in ("not a domain", "", "x" * 300, " spam.example", "localhost", "bücher.example"):
        invalid = await api.client.post(
            "/api/v1/admin/domain_blocks", headers=admin.auth, data={"domain": wrong}
        )
        assert invalid.status_code == 422, wrong
    path = f"/api/v1/admin/domain_blocks/{block['id']}"
    changed = await api.client.put(path, headers=admin.auth, data={"reject_media": "true"})
    assert changed.json()["reject_media"] is True and changed.json()["severity"] == "suspend"
    assert (await api.client.get(path, headers=admin.auth)).json() == changed.json()
    listed = await api.client.get("/api/v1/admin/domain_blocks", headers=admin.auth)
    assert [b["id"] for b in listed.json()] == [block["id"]]
    assert (await api.client.delete(path, headers=admin.auth)).json() == {}
    assert (await api.client.get(path, headers=admin.auth)).status_code == 404
    actions = [line.split()[2] for line in await operator.audit_lines(rt, 3)]
    assert actions == ["delete_domain_block", "update_domain_block", "create_domain_block"]


async def test_every_process_hears_of_a_suspension(api: Api, rt: Runtime) -> None:
    """Another process's change arrives by reloading (the message, or the poll)."""
    bob = await user(api, "bob")
    await post(api, bob, "hello")
    target = await operator._id_of(rt, "bob")
    assert int(target) not in rt.standing.suspended
    async with rt.uow(write=True) as uow:  # as another process would commit it
        account = await AccountRepository(uow).get(int(target))
        assert account is not None
        account.suspended_at = rt.clock.now()
        await uow.commit()
    assert (await api.client.get("/api/v1/timelines/home", headers=bob.auth)).status_code == 200
    assert await rt.standing.refresh(rt.uow) is True
    assert int(target) in rt.standing.suspended
    assert (await api.client.get("/api/v1/timelines/home", headers=bob.auth)).status_code == 401
    assert await rt.standing.refresh(rt.uow) is False  # nothing new: listeners not told


async def test_a_suspension_ends_the_accounts_streams_within_five_seconds(
    api: Api, rt: Runtime
) -> None:
    assert rt.settings.streaming_recheck_seconds <= 5  # the production setting
    admin = await staff(api, rt, "boss")
    bob = await user(api, "bob")
    async with live_server(rt) as base, sse(base, "user", bob.token) as stream:
        async with sse(base, "public", admin.token) as bystander:
            await moderate(api, admin, bob, "suspend")
            started = time.monotonic()
            assert await stream.ended(wait=5.0)
            assert time.monotonic() - started < 5.0
            assert not await bystander.ended(wait=0.1)  # only the suspended account's


async def test_a_mention_of_a_silenced_account_does_not_hide_the_post(
    api: Api, rt: Runtime, live: str
) -> None:
    """Moderation is the author's: a post that mentions a silenced or suspended account
    still reaches everyone, on streams as in timelines."""
    admin = await staff(api, rt, "boss")
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await moderate(api, admin, bob, "silence")
    async with sse(live, "public", carol.token) as stream:
        shown = await post(api, alice, "hello @bob")
        event, entity = await stream.next_status()
    assert (event, entity["id"]) == ("update", shown)
    assert shown in await ids(api, "/api/v1/timelines/public", carol)


async def test_notifications_from_a_silenced_account_reach_only_its_followers(
    api: Api, rt: Runtime
) -> None:
    admin = await staff(api, rt, "boss")
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    await api.client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.auth)
    await moderate(api, admin, bob, "silence")
    await post(api, bob, "hi @alice and @carol")
    for who, heard in ((alice, True), (carol, False)):
        listed = await api.client.get("/api/v1/notifications", headers=who.auth)
        senders = {n["account"]["id"] for n in listed.json()}
        assert (bob.id in senders) is heard, who


async def test_a_process_hears_of_suspensions_while_redis_is_away(api: Api, rt: Runtime) -> None:
    """Without Redis (or with it down) the poll alone keeps the sets fresh."""
    unreachable = Redis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.2)
    elsewhere = Standing(unreachable, poll=0.05)
    watching = asyncio.create_task(elsewhere.watch(rt.uow))
    try:
        bob = await user(api, "bob")
        await operator.act(rt, "bob", "suspend")
        for _ in range(100):
            if int(bob.id) in elsewhere.suspended:
                break
            await asyncio.sleep(0.05)
        assert int(bob.id) in elsewhere.locked_out
    finally:
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watching
        await unreachable.aclose()
