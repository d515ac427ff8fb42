"""The API-wide rate limits (chirp.core.ratelimits) in one process, with small numbers set:
headers on every API response, 429 in Mastodon's shape past a limit, a refused write that
does nothing, hot pages counted like any other read, and the embedded default's count in
process memory. Counting across processes is tests/e2e/test_rate_limit_matrix.py's."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from chirp.core.tallies import LocalTally
from chirp.runtime import Runtime
from tests import media_files
from tests.api.test_throttle import assert_throttled, client_at, limited
from tests.conftest import Api, User, bearer, post, user
from tests.streaming import live_server


async def test_every_api_response_says_what_is_left_and_the_next_is_refused(
    api: Api, rt: Runtime
) -> None:
    alice = await user(api, "alice")
    async with limited(rt, limit_api_token="4/day") as runtime:
        client = client_at(runtime, "198.51.100.1").client
        paths = [
            "/api/v1/accounts/verify_credentials",
            "/api/v1/statuses/1",  # a 404 counts as much as a 200
            "/api/v1/timelines/home",
            "/api/v1/timelines/public",
        ]
        for n, path in enumerate(paths):
            answer = await client.get(path, headers=alice.auth)
            assert answer.status_code in (200, 404), answer.text
            assert answer.headers["x-ratelimit-limit"] == "4"
            assert answer.headers["x-ratelimit-remaining"] == str(3 - n)
            reset = datetime.fromisoformat(answer.headers["x-ratelimit-reset"])
            assert reset > datetime.now(UTC)
        assert_throttled(await client.get("/api/v1/timelines/home", headers=alice.auth), 4)
        assert_throttled(await client.get("/api/v1/timelines/public", headers=alice.auth), 4)
        # Not an API request: neither counted nor refused.
        health = await client.get("/health")
        assert health.status_code == 200 and "x-ratelimit-limit" not in health.headers
        # Another token of the same account has its own count.
        other = await api.password_grant(await api.create_app())
        assert other.status_code == 200
        fresh = await client.get(
            "/api/v1/timelines/home", headers=bearer(other.json()["access_token"])
        )
        assert fresh.status_code == 200
        assert fresh.headers["x-ratelimit-remaining"] == "3"


async def test_a_refused_write_changes_nothing(api: Api, rt: Runtime) -> None:
    alice = await user(api, "alice")
    async with limited(rt, limit_api_account="2/day") as runtime:
        client = client_at(runtime, "198.51.100.2")
        await post(client, alice, "first")
        await post(client, alice, "second")
        refused = await client.client.post(
            "/api/v1/statuses", headers=alice.auth, data={"status": "third"}
        )
        assert_throttled(refused, 2)
    mine = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.auth)
    assert [s["content"] for s in mine.json()] == ["<p>second</p>", "<p>first</p>"]


async def test_requests_without_an_account_are_counted_by_address(api: Api, rt: Runtime) -> None:
    async with limited(rt, limit_api_ip="2/day") as runtime:
        here, there = client_at(runtime, "203.0.113.5"), client_at(runtime, "203.0.113.6")
        for _ in range(2):
            assert (await here.client.get("/api/v1/instance")).status_code == 200
        assert_throttled(await here.client.get("/api/v1/timelines/public"), 2)
        # An app's own token has no account: still counted by its address.
        token = await there.app_token(await there.create_app())
        assert (
            await there.client.get("/api/v1/instance", headers=bearer(token))
        ).status_code == 200
        assert_throttled(await there.client.get("/api/v1/instance", headers=bearer(token)), 2)
        # So is a token that is not valid (the route then answers 401 until the limit).
        v6 = client_at(runtime, "2001:db8:1:2::7")
        assert (
            await v6.client.get("/api/v1/timelines/home", headers=bearer("x"))
        ).status_code == 401
        # An IPv6 address counts as its /64.
        neighbour = client_at(runtime, "2001:db8:1:2::99")
        assert (await neighbour.client.get("/api/v1/instance")).status_code == 200
        assert_throttled(await neighbour.client.get("/api/v1/instance"), 2)
        elsewhere = client_at(runtime, "2001:db8:1:3::7")
        assert (await elsewhere.client.get("/api/v1/instance")).status_code == 200


async def test_media_uploads_and_deletions_have_their_own_limits(api: Api, rt: Runtime) -> None:
    alice = await user(api, "alice")
    async with limited(rt, limit_media="2/day", limit_deletes="2/day") as runtime:
        client = client_at(runtime, "198.51.100.3").client
        image = {"file": ("a.png", media_files.png(), "image/png")}
        for path in ("/api/v2/media", "/api/v1/media"):
            answer = await client.post(path, headers=alice.auth, files=image)
            assert answer.status_code in (200, 202), answer.text
        refused = await client.post("/api/v2/media", headers=alice.auth, files=image)
        assert_throttled(refused, 2)
        # Reading is not uploading.
        assert (await client.get("/api/v1/timelines/home", headers=alice.auth)).status_code == 200
        first = await post(Api(client), alice, "one")
        second = await post(Api(client), alice, "two")
        assert (await client.delete(f"/api/v1/statuses/{first}", headers=alice.auth)).is_success
        unreblog = await client.post(f"/api/v1/statuses/{second}/unreblog", headers=alice.auth)
        assert unreblog.status_code == 200
        refused = await client.delete(f"/api/v1/statuses/{second}", headers=alice.auth)
        assert_throttled(refused, 2)
    still = await api.client.get(f"/api/v1/statuses/{second}", headers=alice.auth)
    assert still.status_code == 200


async def test_the_embedded_default_counts_in_process_memory(api: Api, rt: Runtime) -> None:
    alice = await user(api, "alice")
    async with limited(rt, limit_api_token="3/day") as runtime:
        runtime.tally = LocalTally()
        one, two = client_at(runtime, "198.51.100.4"), client_at(runtime, "198.51.100.5")
        for client in (one, two, one):  # two apps over one process's count
            home = await client.client.get("/api/v1/timelines/home", headers=alice.auth)
            assert home.status_code == 200
        assert_throttled(await two.client.get("/api/v1/timelines/home", headers=alice.auth), 3)


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(rt: Runtime) -> None:
    for trusted, shared in (("127.0.0.1", False), ("10.9.9.9", True)):
        async with (
            limited(rt, limit_api_ip="1/day", trusted_proxies=trusted) as runtime,
            live_server(runtime) as base,
            httpx.AsyncClient(base_url=base) as client,
        ):
            statuses = []
            for n in range(2):  # two "different" clients behind the one peer
                forwarded = {"X-Forwarded-For": f"198.51.100.{n + 10}"}
                answer = await client.get("/api/v1/instance", headers=forwarded)
                statuses.append(answer.status_code)
            assert statuses == ([200, 429] if shared else [200, 200]), (trusted, statuses)


async def test_hot_pages_are_still_answered_hot_while_counted(api: Api, rt: Runtime) -> None:
    alice: User = await user(api, "alice")
    await post(api, alice, "hello")
    async with limited(rt, limit_api_token="50/day") as runtime:
        client = client_at(runtime, "198.51.100.6").client
        hot = runtime.metrics.hot_reads.labels("hot")
        await client.get("/api/v1/timelines/public", headers=alice.auth)  # (fills)
        before = hot._value.get()
        answer = await client.get("/api/v1/timelines/public", headers=alice.auth)
        assert answer.status_code == 200 and answer.json()[0]["content"] == "<p>hello</p>"
        assert answer.headers["x-ratelimit-remaining"] == "48"
        assert hot._value.get() == before + 1
