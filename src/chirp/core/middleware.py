"""Pure ASGI middleware (not BaseHTTPMiddleware, which breaks ContextVars and streaming).

``ConcurrencyLimitMiddleware`` admits as many requests at once as the database pools can serve
without deadlock. ``RequestMiddleware`` gives every request an id, binds it to the log context
and returns it in ``X-Request-Id``, times the request, writes one access-log line (a warning
past the slow threshold) and feeds the Prometheus metrics by route template."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chirp.core.metrics import Metrics

log = structlog.get_logger("chirp.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestMiddleware:
    """One pass around every request: its id (a safe incoming ``X-Request-Id``, or a new
    one), bound to every log line of the request and returned in the response; its time; one
    access-log line (a warning past ``slow_ms``); and the Prometheus counter and latency
    histogram by route template. One middleware rather than two, and routine lines through
    ``access`` (a structlog logger writing JSON straight to the stream, see
    ``chirp.core.logging.access_logger``): this runs on every request of the hot read path."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        slow_ms: float,
        access: Any = None,
        *,
        routine: bool = True,
    ) -> None:
        """``routine``: whether requests that are neither slow nor streams get a line too
        (``CHIRP_ACCESS_LOG``; a proxy in front may log them already)."""
        self.app = app
        self.metrics = metrics
        self.slow_ms = slow_ms
        self.access = access if access is not None else log
        self.routine = routine
        # The metrics' children by (method, route template, status): finitely many, and
        # looking one up by its labels costs more than the rest of recording it.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_ID.match(incoming) else _ids.next()
        scope.setdefault("state", {})["request_id"] = request_id
        added = [(b"x-request-id", request_id.encode()), _NOSNIFF]
        started = time.perf_counter()
        status = 500
        stream = False

        async def send_and_record(message: Message) -> None:
            nonlocal status, stream
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                stream = False
                extra = added
                for name, value in headers:
                    if name == b"content-type":
                        stream = value.startswith(b"text/event-stream")
                    elif name == b"x-content-type-options":  # set already (media)
                        extra = added[:1]
                message["headers"] = [*headers, *extra]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            if kind != "http":
                await self.app(scope, receive, send_and_record)
                return
            try:
                await self.app(scope, receive, send_and_record)
            finally:
                self._record(scope, status, stream, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, stream: bool, elapsed: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "<unmatched>"
        method = scope["method"]
        children = self._children.get((method, template, status))
        if children is None:
            children = self._children[method, template, status] = (
                self.metrics.requests.labels(method, template, str(status)),
                self.metrics.latency.labels(method, template),
            )
        children[0].inc()
        if not stream:
            children[1].observe(elapsed)
        elapsed_ms = round(elapsed * 1000, 2)
        if not (self.routine or stream or status >= 500 or elapsed_ms >= self.slow_ms):
            return
        fields = {
            "method": method,
            "path": scope["path"],
            "route": template,
            "status": status,
            "duration_ms": elapsed_ms,
        }
        if stream:  # an event stream lasts as long as the client stays: never "slow"
            log.info("stream_closed", **fields)
        elif elapsed_ms >= self.slow_ms:
            log.warning("slow_request", **fields)
        else:
            self.access.info("request", **fields)


class _RequestIds:
    """Ids unique across processes and hosts without a system call each (``secrets`` reads
    the kernel's random source per id: 1.4 % of a hot read's CPU under load): a random
    prefix per process, then a counter. They name requests in logs; nothing trusts them."""

    def __init__(self) -> None:
        self._start()
        os.register_at_fork(after_in_child=self._start)  # a forked worker is a new process

    def _start(self) -> None:
        self._prefix = secrets.token_hex(8)
        self._counter = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter):016x}"


_ids = _RequestIds()


# Every answer is what its Content-Type says: browsers must not guess another type (a JSON
# body holding HTML, an upload's bytes) and run it.
_NOSNIFF = (b"x-content-type-options", b"nosniff")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class ConcurrencyLimitMiddleware:
    """At most ``limit`` requests at once in this process; the rest wait their turn (FIFO).

    Requests take database connections lazily, one per shard database, sometimes two (a
    notification written after commit opens its own unit of work). With every connection of
    a pool taken, a request holding shard A's and waiting for shard B's can wait forever on
    another holding B's and waiting for A's, until the pool timeout fails both. Admitting at
    most half the pool's connections' worth of requests keeps that from happening. Never held
    back: the operations routes (health, readiness, metrics), and streaming, whose
    connections stay open for hours without holding a database connection.
    """

    EXEMPT = ("/health", "/ready", "/metrics", "/api/v1/streaming")

    def __init__(
        self, app: ASGIApp, limit: int = 1, slots: asyncio.Semaphore | None = None
    ) -> None:
        """``slots``: a semaphore sized by the caller (the app splits the pool's worth of
        requests between these routes and the hot read path); else ``limit`` slots."""
        self.app = app
        self.slots = slots if slots is not None else asyncio.Semaphore(max(1, limit))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.EXEMPT):
            await self.app(scope, receive, send)
            return
        async with self.slots:
            await self.app(scope, receive, send)
