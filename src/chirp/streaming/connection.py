"""One client's open streams (one over SSE, any number over a WebSocket), as a queue of events.

The hub hands events to ``deliver`` without waiting; ``events()`` filters them for the viewer
and yields what the client gets, with ``None`` whenever a heartbeat is due. Every
``streaming_recheck_seconds`` (at most 5) the connection asks whether its token was revoked
(one primary-key read) or its account suspended or disabled, and ends if so; the viewer's
blocks, mutes and follows are reloaded when an event needs them and they are older than
that, so a new block filters the stream within the same bound. A client that falls
``QUEUE_LIMIT`` events behind is disconnected rather than buffered without end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog

from chirp.core.auth import Bearer
from chirp.graph.relations import Relations
from chirp.oauth import tokens
from chirp.streaming import channels
from chirp.streaming.channels import Stream
from chirp.streaming.filters import admits
from chirp.streaming.messages import Envelope
from chirp.streaming.platform import StreamingPlatform

log = structlog.get_logger(__name__)
QUEUE_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Outgoing:
    stream: tuple[str, ...]
    event: str
    payload: str


class Connection:
    def __init__(self, rt: StreamingPlatform, bearer: Bearer | None, transport: str) -> None:
        self.rt = rt
        self.bearer = bearer
        self.transport = transport
        self.account_id = bearer.account_id if bearer else None
        self._streams: dict[tuple[str, ...], Stream] = {}
        self._queue: asyncio.Queue[tuple[str, Envelope] | None] = asyncio.Queue(QUEUE_LIMIT)
        self._ended = False
        self._closed = False
        self._relations = Relations.anonymous(rt.standing)
        self._relations.viewer_id = self.account_id
        self._relations_at = -float("inf")
        self._checked_at = time.monotonic()
        rt.metrics.streams_open.labels(transport).inc()

    @property
    def ended(self) -> bool:
        return self._ended

    def deliver(self, channel: str, envelope: Envelope) -> None:
        if self._ended:
            return
        try:
            self._queue.put_nowait((channel, envelope))
        except asyncio.QueueFull:
            log.warning("stream_too_slow", account_id=self.account_id, transport=self.transport)
            self.end()

    def end(self) -> None:
        """Stop ``events()`` at its next step (the client left, or fell too far behind)."""
        if self._ended:
            return
        self._ended = True
        while True:  # make room for the wake-up call
            try:
                self._queue.put_nowait(None)
                return
            except asyncio.QueueFull:
                self._queue.get_nowait()

    async def add(self, stream: Stream) -> None:
        if stream.identity in self._streams:
            return
        self._streams[stream.identity] = stream
        await self.rt.hub.subscribe(self, stream.channels)
        if stream.personal and self.account_id is not None:
            await self.rt.hub.arrive(self.account_id)

    async def remove(self, stream: Stream) -> None:
        if self._streams.pop(stream.identity, None) is None:
            return
        still = {c for s in self._streams.values() for c in s.channels}
        await self.rt.hub.unsubscribe(self, [c for c in stream.channels if c not in still])
        if stream.personal and self.account_id is not None:
            await self.rt.hub.leave(self.account_id)

    async def close(self) -> None:
        """Leave every channel; the transport calls this whatever ended the stream."""
        if self._closed:
            return
        self._closed = True
        self.end()
        for stream in list(self._streams.values()):
            await self.remove(stream)
        self.rt.metrics.streams_open.labels(self.transport).dec()

    async def events(self) -> AsyncIterator[Outgoing | None]:
        settings = self.rt.settings
        beat_every = settings.streaming_heartbeat_seconds
        check_every = settings.streaming_recheck_seconds
        next_beat = time.monotonic() + beat_every
        while not self._ended:
            now = time.monotonic()
            if now >= self._checked_at + check_every:
                await self._recheck()
                continue
            if now >= next_beat:
                next_beat = now + beat_every
                yield None
                continue
            try:
                async with asyncio.timeout(min(next_beat, self._checked_at + check_every) - now):
                    item = await self._queue.get()
            except TimeoutError:
                continue
            if item is None:
                break
            for out in await self._outgoing(*item):
                yield out

    async def _recheck(self) -> None:
        self._checked_at = time.monotonic()
        if self.bearer is None:
            return
        if self.account_id in self.rt.standing.locked_out:
            log.info("stream_account_locked_out", account_id=self.account_id)
            self.end()
            return
        async with self.rt.uow() as uow:
            valid = await tokens.still_valid(uow, self.bearer)
        if not valid:
            log.info("stream_token_revoked", account_id=self.account_id)
            self.end()

    async def _outgoing(self, channel: str, envelope: Envelope) -> list[Outgoing]:
        matching = [s for s in self._streams.values() if channel in s.channels]
        if not matching:
            return []
        home = self.account_id is not None and channel == channels.home(self.account_id)
        needs_filter = envelope.status is not None or envelope.actor is not None
        if needs_filter and not admits(envelope, await self._current_relations(), home=home):
            return []
        return [Outgoing(s.label, envelope.event, envelope.payload) for s in matching]

    async def _current_relations(self) -> Relations:
        if self.account_id is None:
            return self._relations
        if time.monotonic() - self._relations_at >= self.rt.settings.streaming_recheck_seconds:
            async with self.rt.uow() as uow:
                self._relations = await Relations.of(self.rt, uow, self.account_id)
            self._relations_at = time.monotonic()
        return self._relations
