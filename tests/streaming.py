"""Helpers for streaming tests: a real uvicorn server on the test's event loop (an in-memory
ASGI transport would wait for a stream to end before answering), and an SSE reader."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import orjson
import uvicorn

from chirp.app import create_app
from chirp.core.connections import Config
from chirp.db.events import Events
from chirp.runtime import Runtime

WAIT = 5.0  # seconds a test waits for an event that must come


@contextlib.asynccontextmanager
async def live_server(rt: Runtime) -> AsyncIterator[str]:
    """``chirp``'s app for ``rt`` served on a free loopback port, on the HTTP protocol
    ``chirp serve`` runs (``CHIRP_HEADER_SECONDS`` from ``rt``); its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = Config(
        create_app(runtime=rt),
        lifespan="off",
        log_config=None,
        header_seconds=rt.settings.header_seconds,
        proxy_headers=True,  # as chirp serve
        forwarded_allow_ips=rt.settings.trusted_proxies,
        timeout_graceful_shutdown=5,  # a test that left a request hanging fails, not hangs
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def tuned(rt: Runtime, **settings: Any) -> Runtime:
    """The same runtime (databases, hub, caches) with some settings changed, e.g. a fast
    re-check: one process, so what the original's writes invalidate is what this one reads."""
    # Built on a bus of its own, then given the original's: the copy's subscribers (which
    # building a runtime wires) must not join the original's, or every write would run one
    # more set of them for the rest of the session, bound to a runtime nobody reads.
    copy = replace(rt, settings=rt.settings.model_copy(update=settings), events=Events())
    copy.events, copy.hot = rt.events, rt.hot  # the original's subscribers keep its hot store
    copy.relations, copy.entities = rt.relations, rt.entities
    copy.standing = rt.standing
    return copy


class EventStream:
    """Reads one SSE response in the background: events as (name, data); comment lines
    (the opening ``:)`` and heartbeats) kept aside."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.comments: list[str] = []
        self._events: asyncio.Queue[tuple[str, str] | None] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            async for line in self.response.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line)
                elif line:
                    key, _, value = line.partition(": ")
                    fields[key] = value
                elif fields:
                    await self._events.put((fields["event"], fields["data"]))
                    fields = {}
        except httpx.HTTPError:
            pass
        finally:
            await self._events.put(None)

    async def next(self, wait: float = WAIT) -> tuple[str, str]:
        async with asyncio.timeout(wait):
            item = await self._events.get()
        if item is None:
            self._events.put_nowait(None)
            raise EOFError("the stream ended")
        return item

    async def next_status(self, wait: float = WAIT) -> tuple[str, Any]:
        """The next event with its data decoded (a ``delete`` stays a bare id)."""
        event, data = await self.next(wait)
        return event, data if event == "delete" else orjson.loads(data)

    async def ended(self, wait: float = WAIT) -> bool:
        """Whether the server closes the stream within ``wait`` seconds (events are skipped)."""
        try:
            async with asyncio.timeout(wait):
                while True:
                    await self.next(wait)
        except EOFError:
            return True
        except TimeoutError:
            return False

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def sse(
    base: str, path: str, token: str | None = None, **params: str
) -> AsyncIterator[EventStream]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(10, read=None)) as client,
        client.stream("GET", f"/api/v1/streaming/{path}", headers=headers, params=params) as r,
    ):
        assert r.status_code == 200, (r.status_code, await r.aread())
        assert r.headers["content-type"].startswith("text/event-stream")
        stream = EventStream(r)
        try:
            yield stream
        finally:
            await stream.close()
