"""Server-sent events, framed as Mastodon's streaming server frames them: ``:)`` on opening,
``event: NAME`` and ``data: PAYLOAD`` lines then a blank line per event, and a ``:thump``
comment as a heartbeat.

A plain ASGI response rather than a generator handed to StreamingResponse: it watches for the
client leaving itself, so the connection leaves its channels (and the viewer stops counting as
online) at once, not at the next write.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from chirp.streaming.connection import Connection, Outgoing

HEADERS = {"Cache-Control": "private, no-store", "X-Accel-Buffering": "no"}


def frame(item: Outgoing | None) -> bytes:
    if item is None:
        return b":thump\n\n"
    return f"event: {item.event}\ndata: {item.payload}\n\n".encode()


class EventStreamResponse(StreamingResponse):
    def __init__(self, conn: Connection) -> None:
        super().__init__(iter(()), media_type="text/event-stream", headers=HEADERS)
        self.conn = conn

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        watcher = asyncio.create_task(self._watch(receive))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": b":)\n", "more_body": True})
            async for item in self.conn.events():
                await send({"type": "http.response.body", "body": frame(item), "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the client went away mid-write
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await self.conn.close()

    async def _watch(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.conn.end()
