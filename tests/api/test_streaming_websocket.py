"""The WebSocket at /api/v1/streaming over a real server: tokens, subscribe and unsubscribe
messages, Mastodon's message shape, and its errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import Api, post, user
from tests.streaming import WAIT


def ws_url(base: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return base.replace("http", "ws", 1) + "/api/v1/streaming" + (f"?{query}" if query else "")


async def receive(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(WAIT):
        return dict(json.loads(await ws.recv()))


async def send(ws: ClientConnection, **message: str) -> None:
    await ws.send(json.dumps(message))


async def test_the_stream_parameter_subscribes_at_once(api: Api, live: str) -> None:
    alice = await user(api, "alice")
    async with connect(ws_url(live, stream="user", access_token=alice.token)) as ws:
        status_id = await post(api, alice, "over the socket")
        message = await receive(ws)
    assert message["stream"] == ["user"]
    assert message["event"] == "update"
    assert json.loads(message["payload"])["id"] == status_id  # the payload is JSON text


async def test_the_token_may_come_as_the_websocket_protocol(api: Api, live: str) -> None:
    alice = await user(api, "alice")
    async with connect(ws_url(live), subprotocols=[alice.token]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == alice.token  # echoed back, as browsers require
        await send(ws, type="subscribe", stream="user")
        status_id = await post(api, alice, "protocol token")
        message = await receive(ws)
    assert (message["stream"], json.loads(message["payload"])["id"]) == (["user"], status_id)


async def test_subscribe_and_unsubscribe_hashtags(api: Api, live: str) -> None:
    alice = await user(api, "alice")
    headers = {"Authorization": f"Bearer {alice.token}"}
    async with connect(ws_url(live), additional_headers=headers) as ws:
        await send(ws, type="subscribe", stream="hashtag", tag="Birds")
        await send(ws, type="subscribe", stream="public:local")
        await asyncio.sleep(0.2)  # the server handles messages in order, but asynchronously
        tagged = await post(api, alice, "#birds sing")
        first, second = await receive(ws), await receive(ws)
        assert {tuple(first["stream"]), tuple(second["stream"])} == {
            ("hashtag", "Birds"),
            ("public:local",),
        }
        assert json.loads(first["payload"])["id"] == tagged
        await send(ws, type="unsubscribe", stream="hashtag", tag="birds")
        await asyncio.sleep(0.2)
        untagged = await post(api, alice, "#birds again")
        only = await receive(ws)  # public:local only: the hashtag subscription is gone
        assert (only["stream"], json.loads(only["payload"])["id"]) == (["public:local"], untagged)


@pytest.mark.parametrize(
    ("signed_in", "message", "error", "status"),
    [
        (False, {"type": "subscribe", "stream": "hashtag"}, "Missing tag name parameter", 400),
        (True, {"type": "subscribe", "stream": "bogus"}, "Unknown stream type", 400),
        (False, {"type": "subscribe", "stream": "user"}, "Missing access token", 401),
        (
            False,
            {"type": "unsubscribe", "stream": "user"},
            "Error unsubscribing from channel",
            None,
        ),
    ],
)
async def test_subscription_errors_come_back_as_messages(
    api: Api, live: str, signed_in: bool, message: dict[str, str], error: str, status: int | None
) -> None:
    token = {"access_token": (await user(api, "alice")).token} if signed_in else {}
    async with connect(ws_url(live, **token)) as ws:  # anonymous: allowed, for public streams
        await ws.send(json.dumps(message))
        expected: dict[str, Any] = (
            {"error": error} if status is None else {"error": error, "status": status}
        )
        assert await receive(ws) == expected


async def test_junk_messages_are_ignored_and_binary_closes(live: str) -> None:
    async with connect(ws_url(live)) as ws:
        for junk in ("not json", "[1, 2]", '{"type": "dance"}', '{"stream": 5}'):
            await ws.send(junk)
        await send(ws, type="subscribe", stream="hashtag")
        assert (await receive(ws))["error"] == "Missing tag name parameter"  # still listening
        await ws.send(b"\x00\x01")
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003


async def test_an_invalid_token_refuses_the_upgrade_with_401(live: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(ws_url(live, access_token="nope")):
            pass
    response = refused.value.response
    assert response.status_code == 401
    assert json.loads(response.body or b"{}") == {"error": "Invalid access token"}
