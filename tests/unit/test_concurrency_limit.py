"""The concurrency limit admits a fixed number of requests at once and queues the rest."""

from __future__ import annotations

import asyncio
from typing import Any

from chirp.core.middleware import ConcurrencyLimitMiddleware


async def test_no_more_than_the_limit_run_at_once_and_every_request_is_served() -> None:
    running = peak = served = 0

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal running, peak, served
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        served += 1

    limited = ConcurrencyLimitMiddleware(app, limit=3)
    scope = {"type": "http", "path": "/api/v1/timelines/home"}
    await asyncio.gather(*(limited(scope, None, None) for _ in range(10)))
    assert (peak, served) == (3, 10)


async def test_operations_and_streaming_routes_are_never_held_back() -> None:
    entered = asyncio.Event()
    release = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] != "/api/v1/instance":
            entered.set()
            return
        await release.wait()

    limited = ConcurrencyLimitMiddleware(app, limit=1)
    busy = asyncio.create_task(limited({"type": "http", "path": "/api/v1/instance"}, None, None))
    await asyncio.sleep(0)
    for path in ("/health", "/api/v1/streaming/user"):
        entered.clear()
        await asyncio.wait_for(limited({"type": "http", "path": path}, None, None), 1)
        assert entered.is_set()
    release.set()
    await busy
