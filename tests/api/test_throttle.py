"""Rate limits on signing in and signing up (chirp.core.throttle), with small numbers set:
each rule answers 429 in Mastodon's shape at its number, counts every attempt, right or
wrong, and counts by the address a trusted proxy names but not by one anyone can write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx

from chirp.app import create_app
from chirp.config import Settings
from chirp.runtime import Runtime
from tests.conftest import PASSWORD, Api, bearer
from tests.streaming import live_server, tuned

RULES = tuple(name for name in Settings.model_fields if name.startswith("limit_"))


@asynccontextmanager
async def limited(rt: Runtime, **rules: Any) -> AsyncIterator[Runtime]:
    """``rt`` with the rate limits on, each rule off unless given here."""
    settings = {"rate_limits": True, **dict.fromkeys(RULES, "0"), **rules}
    runtime = tuned(rt, **settings)
    await runtime.throttle.reset()
    await runtime.tally.reset()
    try:
        yield runtime
    finally:
        await runtime.throttle.reset()
        await runtime.tally.reset()


def client_at(rt: Runtime, ip: str) -> Api:
    transport = httpx.ASGITransport(app=create_app(runtime=rt), client=(ip, 40000))
    return Api(httpx.AsyncClient(transport=transport, base_url=rt.settings.public_url))


def assert_throttled(answer: httpx.Response, limit: int) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.json() == {"error": "Too many requests"}
    assert answer.headers["x-ratelimit-limit"] == str(limit)
    assert answer.headers["x-ratelimit-remaining"] == "0"
    assert datetime.fromisoformat(answer.headers["x-ratelimit-reset"]).tzinfo is not None
    assert int(answer.headers["retry-after"]) >= 1


async def test_login_attempts_from_one_address_stop_at_the_limit_right_or_wrong(
    api: Api, rt: Runtime
) -> None:
    await api.register("alice")
    async with limited(rt, limit_login_ip="3/minute") as runtime:
        attacker, other = client_at(runtime, "198.51.100.7"), client_at(runtime, "198.51.100.8")
        app = await attacker.create_app()
        for _ in range(3):
            wrong = await attacker.password_grant(app, password="wrong-password-1")
            assert wrong.status_code == 400, wrong.text
        assert_throttled(await attacker.password_grant(app), 3)  # the right one too
        # Another address is counted on its own.
        assert (await other.password_grant(app)).status_code == 200


async def test_login_attempts_on_one_email_stop_at_the_limit_from_any_address(
    api: Api, rt: Runtime
) -> None:
    await api.register("alice")
    async with limited(rt, limit_login_email="2/hour") as runtime:
        app = await api.create_app()
        for n in range(2):
            client = client_at(runtime, f"203.0.113.{n}")
            answer = await client.password_grant(app, password="nope-123")
            assert answer.status_code == 400
        assert_throttled(await client_at(runtime, "203.0.113.9").password_grant(app), 2)


async def test_the_sign_in_page_answers_a_page_when_throttled(api: Api, rt: Runtime) -> None:
    await api.register("alice")
    async with limited(rt, limit_login_ip="1/minute") as runtime:
        browser = client_at(runtime, "198.51.100.20")
        app = await browser.create_app(redirect_uris="urn:ietf:wg:oauth:2.0:oob")
        query = {
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "scope": "read",
        }
        page = await browser.client.get("/oauth/authorize", params=query)
        assert page.status_code == 200
        csrf = page.cookies.get("chirp_csrf") or next(iter(page.cookies.values()))
        form = {**query, "csrf": _hidden(page.text, "csrf"), "decision": "allow"}
        form |= {"email": "alice@example.com", "password": "wrong-password-1"}
        first = await browser.client.post("/oauth/authorize", data=form)
        assert first.status_code == 401
        second = await browser.client.post("/oauth/authorize", data={**form, "password": PASSWORD})
        assert second.status_code == 429
        assert "text/html" in second.headers["content-type"]
        assert "Too many sign-in attempts" in second.text
        assert csrf


def _hidden(page: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


async def test_sign_ups_from_one_address_stop_at_the_limit(rt: Runtime) -> None:
    async with limited(rt, limit_sign_up_ip="2/hour") as runtime:
        signer = client_at(runtime, "192.0.2.44")
        await signer.register("first")
        await signer.register("second")
        app = await signer.create_app()
        third = await signer.client.post(
            "/api/v1/accounts",
            data={
                "username": "third",
                "email": "third@example.com",
                "password": PASSWORD,
                "agreement": "true",
                "locale": "en",
            },
            headers=bearer(await signer.app_token(app)),
        )
        assert_throttled(third, 2)
        await client_at(runtime, "192.0.2.45").register("fourth")  # another address may


async def test_forwarded_for_counts_only_from_a_trusted_proxy(api: Api, rt: Runtime) -> None:
    await api.register("alice")
    for trusted, spoofable in (("127.0.0.1", False), ("10.9.9.9", True)):
        async with (
            limited(rt, limit_login_ip="1/minute", trusted_proxies=trusted) as runtime,
            live_server(runtime) as base,
            httpx.AsyncClient(base_url=base) as client,
        ):
            app = await Api(client).create_app()
            statuses = []
            for n in range(2):  # two "different" clients behind the one peer
                form = {
                    "grant_type": "password",
                    "client_id": app["client_id"],
                    "client_secret": app["client_secret"],
                    "username": "alice@example.com",
                    "password": PASSWORD,
                }
                forwarded = {"X-Forwarded-For": f"198.51.100.{n + 1}"}
                answer = await client.post("/oauth/token", data=form, headers=forwarded)
                statuses.append(answer.status_code)
            # From a trusted proxy each forwarded address has its own count; from anyone
            # else the header is ignored and both attempts are the peer's.
            assert statuses == ([200, 429] if spoofable else [200, 200]), (trusted, statuses)
