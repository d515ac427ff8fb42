"""Connections that must send their request's headers in time and within a size.

uvicorn times out only an idle keep-alive connection: one that has sent part of a request's
headers (or nothing at all since it connected) is held for as long as its client likes, and
the headers it sends are kept however many there are. A few hundred such connections
(slowloris) take every file descriptor of a process, and one that sends headers without end
takes its memory. This protocol is uvicorn's own (httptools) with both bounded: a request's
headers must be complete within ``header_seconds`` of its first byte (of the connection, for
the first request), else the answer is 408 and the connection is closed; and request line
plus headers may take at most ``MAX_HEADER_BYTES``, else 431. Bodies have their own limits
(``chirp.core.bodies``). Behind the shipped nginx configuration nginx applies its own.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

HEADER_SECONDS = 10.0
MAX_HEADER_BYTES = 64 * 1024  # nginx's default takes 32 KiB (4 buffers of 8 KiB)


class _Refused(Exception):
    pass


class Config(uvicorn.Config):
    """uvicorn's configuration with this module's protocol and its header deadline (it
    travels with the configuration to spawned worker processes)."""

    def __init__(self, app: Any, *, header_seconds: float = HEADER_SECONDS, **kwargs: Any) -> None:
        super().__init__(app, http=HeadersInTime, **kwargs)
        self.header_seconds = header_seconds


class HeadersInTime(HttpToolsProtocol):
    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._header_seconds: float = getattr(config, "header_seconds", HEADER_SECONDS)
        self._late: asyncio.TimerHandle | None = None
        self._header_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()  # a connection that never sends a request is timed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():  # refused here: the rest is not parsed
            return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        if self.transport.is_closing():  # (the parser's error was our _Refused)
            return
        super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._arm()  # the next request on a kept-alive connection: from its first byte

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > MAX_HEADER_BYTES:
            self._refuse(b"431 Request Header Fields Too Large")
            raise _Refused  # stops the parser: the request must not reach the app

    def _arm(self) -> None:
        self._disarm()
        self._late = self.loop.call_later(self._header_seconds, self._too_late)

    def _disarm(self) -> None:
        if self._late is not None:
            self._late.cancel()
            self._late = None

    def _too_late(self) -> None:
        self._late = None
        self._refuse(b"408 Request Timeout")

    def _refuse(self, status: bytes) -> None:
        """Answer ``status`` and close: the request never reached the app."""
        self._disarm()
        if self.transport.is_closing():
            return
        self.transport.write(
            b"HTTP/1.1 " + status + b"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        )
        self.transport.close()
