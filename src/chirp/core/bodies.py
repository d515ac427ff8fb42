"""Request bodies that a bad client cannot turn against the server.

Every body is counted while it arrives and refused with 413 past its limit, whether or not it
declared a length (a chunked body used to be read whole first: 300 MB of JSON took a process
from 133 to 715 MiB), and it must arrive within a deadline (408 past it). A body that is not
an upload is read whole here, before the request takes one of the process's request slots:
eight connections trickling a body a byte at a time used to hold every slot, and everything
else waited until they gave up. Uploads (multipart to the media and profile routes) are
streamed to disk by their routes (``chirp.media.uploads``, which enforces the file limits);
here they only get the deadline and the limit of the largest body they may send.

Behind the shipped nginx configuration every body is buffered by nginx first; this is what
keeps the embedded default, and any deployment without such a proxy, safe.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chirp.core.errors import CLIENT_CLOSED, PayloadTooLarge, RequestTimeout
from chirp.core.responses import JSON

log = structlog.get_logger(__name__)
UPLOAD_PATHS = frozenset(("/api/v1/media", "/api/v2/media", "/api/v1/accounts/update_credentials"))
NO_BODY = frozenset(("GET", "HEAD", "OPTIONS"))


class BodyLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        upload_limit: int,
        seconds: float,
        upload_seconds: float,
    ) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.seconds = seconds
        self.upload_seconds = upload_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in NO_BODY:
            await self.app(scope, receive, send)  # (their routes never read a body)
            return
        declared, chunked, multipart = _body_headers(scope)
        if declared is None and not chunked:  # no body at all
            await self.app(scope, receive, send)
            return
        upload = multipart and scope["path"] in UPLOAD_PATHS
        limit = self.upload_limit if upload else self.limit
        if declared is not None and declared > limit:
            await _refuse(send, 413, f"Request body is larger than {limit:,} bytes")
            return
        if upload:
            await self.app(scope, _Counted(receive, limit, self.upload_seconds), send)
            return
        try:
            body = await asyncio.wait_for(_read(receive, limit), self.seconds)
        except TimeoutError:
            await _refuse(send, 408, RequestTimeout.message)
            return
        except PayloadTooLarge as exc:
            await _refuse(send, 413, exc.message)
            return
        if body is None:  # the client left before its body was in: nothing failed here
            log.info("client_disconnected", method=scope["method"], path=scope["path"])
            await send({"type": "http.response.start", "status": CLIENT_CLOSED, "headers": []})
            await send({"type": "http.response.body", "body": b""})  # (to nobody: counted)
            return
        await self.app(scope, _Replay(body, receive), send)


def _body_headers(scope: Scope) -> tuple[int | None, bool, bool]:
    declared: int | None = None
    chunked = multipart = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"content-type":
            multipart = value.lower().startswith(b"multipart/form-data")
    return declared, chunked, multipart


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None when the client disconnected first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request body is larger than {limit:,} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class _Replay:
    """The body read here, then whatever the server sends next (a disconnect)."""

    def __init__(self, body: bytes, receive: Receive) -> None:
        self._first: Message | None = {"type": "http.request", "body": body, "more_body": False}
        self._receive = receive

    async def __call__(self) -> Message:
        if self._first is not None:
            message, self._first = self._first, None
            return message
        return await self._receive()


class _Counted:
    """An upload's messages, passed on while its bytes stay within ``limit`` and it keeps to
    its deadline; past either the route gets a PayloadTooLarge or a RequestTimeout."""

    def __init__(self, receive: Receive, limit: int, seconds: float) -> None:
        self._receive = receive
        self._limit = limit
        self._size = 0
        self._deadline = asyncio.get_running_loop().time() + seconds

    async def __call__(self) -> Message:
        left = self._deadline - asyncio.get_running_loop().time()
        try:
            message = await asyncio.wait_for(self._receive(), max(left, 0.001))
        except TimeoutError:
            raise RequestTimeout() from None
        self._size += len(message.get("body", b""))
        if self._size > self._limit:
            raise PayloadTooLarge(f"Request body is larger than {self._limit:,} bytes")
        return message


async def _refuse(send: Send, status: int, error: str) -> None:
    response: Any = JSON({"error": error}, status_code=status, headers={"Connection": "close"})
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})
