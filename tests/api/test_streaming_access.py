"""Who keeps receiving what: blocks and mutes filter open streams, a revoked token ends them
(within 5 s on the production setting), and presence follows open user streams."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chirp.runtime import Runtime
from tests.conftest import Api, User, bearer, post, user
from tests.streaming import WAIT, live_server, sse


async def act(api: Api, actor: User, path: str) -> None:
    response = await api.client.post(path, headers=actor.auth)
    assert response.status_code == 200, response.text


async def signed_in(api: Api, username: str) -> tuple[User, dict[str, Any]]:
    """A user whose app credentials the test keeps, to revoke the token later."""
    app = await api.create_app()
    token = await api.register(username, app=app)
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    return User(me.json()["id"], token), app


async def revoke(api: Api, app: dict[str, Any], token: str) -> None:
    response = await api.client.post(
        "/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("action", ["block", "mute", "blocked_by"])
async def test_blocked_and_muted_accounts_leave_the_public_stream(
    api: Api, live: str, action: str
) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    if action == "blocked_by":
        await act(api, alice, f"/api/v1/accounts/{carol.id}/block")
    else:
        await act(api, carol, f"/api/v1/accounts/{alice.id}/{action}")
    async with sse(live, "public", carol.token) as stream:
        await post(api, alice, "by alice")
        await post(api, bob, "mentioning @alice")
        shown = await post(api, bob, "by bob")
        event, entity = await stream.next_status()
    assert (event, entity["id"]) == ("update", shown)


async def test_a_new_block_filters_an_open_stream_within_the_recheck(api: Api, live: str) -> None:
    alice, bob, carol = await user(api, "alice"), await user(api, "bob"), await user(api, "carol")
    async with sse(live, "public", carol.token) as stream:
        before = await post(api, alice, "before the block")
        assert (await stream.next_status())[1]["id"] == before
        await act(api, carol, f"/api/v1/accounts/{alice.id}/block")
        await asyncio.sleep(0.3)  # the test server re-checks every 0.2 s
        await post(api, alice, "after the block")
        shown = await post(api, bob, "by bob")
        assert (await stream.next_status())[1]["id"] == shown


async def test_a_revoked_token_ends_the_stream_on_the_production_setting(
    rt: Runtime, api: Api
) -> None:
    assert rt.settings.streaming_recheck_seconds <= 5
    bob, app = await signed_in(api, "bob")
    async with live_server(rt) as base, sse(base, "user", bob.token) as stream:
        await revoke(api, app, bob.token)
        started = time.monotonic()
        assert await stream.ended(wait=5.0)
    assert time.monotonic() - started < 5.0


async def test_a_revoked_token_closes_the_websocket(api: Api, live: str) -> None:
    bob, app = await signed_in(api, "bob")
    url = live.replace("http", "ws", 1) + f"/api/v1/streaming?stream=user&access_token={bob.token}"
    async with connect(url) as ws:
        await revoke(api, app, bob.token)
        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(WAIT):
                await ws.recv()


async def test_presence_follows_open_user_streams(rt: Runtime, api: Api, live: str) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    ids = [int(alice.id), int(bob.id)]
    async with sse(live, "public", bob.token):  # public streams do not count
        async with sse(live, "user", alice.token):
            assert await rt.hub.online(ids) == {int(alice.id)}
        for _ in range(100):  # the server sees the client leave a moment later
            if not await rt.hub.online(ids):
                break
            await asyncio.sleep(0.05)
        assert await rt.hub.online(ids) == set()


async def test_metrics_count_open_streams_and_published_events(api: Api, live: str) -> None:
    alice = await user(api, "alice")
    async with sse(live, "user", alice.token) as stream:
        await post(api, alice, "counted")
        await stream.next()
        async with httpx.AsyncClient(base_url=live) as client:
            metrics = (await client.get("/metrics")).text
    assert 'chirp_streaming_connections{transport="sse"} 1.0' in metrics
    assert 'chirp_streaming_events_published_total{event="update"}' in metrics
