"""The WebSocket at ``/api/v1/streaming``: many streams over one socket, as Mastodon's web app
uses it.

The token comes as for SSE, or in ``Sec-WebSocket-Protocol`` (echoed back, as browsers require).
A bad token refuses the upgrade with 401. The ``stream`` parameter subscribes at once; then
the client sends ``{"type": "subscribe" | "unsubscribe", "stream": NAME, "tag": ...}``. Each
event goes out as ``{"stream": [NAME, ...], "event": NAME, "payload": "<JSON text>"}``; a
subscription that fails answers ``{"error": ..., "status": ...}``. Unknown message types and
malformed JSON are ignored, binary frames close the socket (1003), as Mastodon's server does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import structlog
from fastapi import WebSocket
from fastapi.responses import JSONResponse
from starlette.websockets import WebSocketDisconnect

from chirp.streaming import service
from chirp.streaming.channels import StreamError
from chirp.streaming.connection import Connection
from chirp.streaming.platform import StreamingPlatform

log = structlog.get_logger(__name__)
UNSUPPORTED_DATA = 1003


async def serve(websocket: WebSocket, rt: StreamingPlatform) -> None:
    presented = service.presented_token(websocket.headers, websocket.query_params)
    try:
        bearer = await service.authenticate(rt, presented)
        if bearer is None and rt.settings.streaming_public_needs_token:
            raise StreamError(401, "Missing access token")
    except StreamError as exc:
        await _refuse(websocket, exc)
        return
    protocol = service.websocket_protocol(websocket.headers)
    await websocket.accept(subprotocol=protocol if protocol == presented else None)
    conn = Connection(rt, bearer, "websocket")
    session = _Session(websocket, conn)
    try:
        initial = websocket.query_params.get("stream")
        if initial:
            await session.subscribe(initial, dict(websocket.query_params))
        sending = asyncio.create_task(session.send_events())
        receiving = asyncio.create_task(session.receive_messages())
        done, pending = await asyncio.wait(
            {sending, receiving}, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for task in done:
            task.result()
    finally:
        await conn.close()


async def _refuse(websocket: WebSocket, error: StreamError) -> None:
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(
            JSONResponse(
                {"error": error.message},
                status_code=error.status_code,
                headers={"X-Error-Message": error.message},
            )
        )
    else:  # a server without the denial extension can only refuse the handshake (403)
        await websocket.close(code=1008, reason=error.message)


class _Session:
    def __init__(self, websocket: WebSocket, conn: Connection) -> None:
        self.websocket = websocket
        self.conn = conn
        self._sending = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        async with self._sending:
            await self.websocket.send_text(json.dumps(message, separators=(",", ":")))

    async def send_events(self) -> None:
        async for item in self.conn.events():
            if item is not None:  # WebSocket keep-alive is the server's ping frames
                await self.send(
                    {"stream": list(item.stream), "event": item.event, "payload": item.payload}
                )
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await self.websocket.close()  # the token was revoked, or the client is too slow

    async def receive_messages(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                await self.websocket.close(UNSUPPORTED_DATA, "Binary messages are not supported")
                return
            await self.handle(message.get("text") or "")

    async def handle(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            log.info("websocket_bad_json")
            return
        if not isinstance(message, dict):
            return
        kind, stream = message.get("type"), message.get("stream")
        if isinstance(stream, list):
            stream = stream[0] if stream else None
        if not isinstance(stream, str):
            stream = ""
        params = {k: str(v) for k, v in message.items() if isinstance(v, str | int)}
        if kind == "subscribe":
            await self.subscribe(stream, params)
        elif kind == "unsubscribe":
            try:
                await service.unsubscribe(self.conn, stream, params)
            except StreamError:
                await self.send({"error": "Error unsubscribing from channel"})

    async def subscribe(self, stream: str, params: dict[str, str]) -> None:
        try:
            await service.subscribe(self.conn, stream, params)
        except StreamError as exc:
            await self.send({"error": exc.message, "status": exc.status_code})
