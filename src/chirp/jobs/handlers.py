"""Which handler runs each kind of job. The composition root (``chirp.subscriptions``) binds
the kinds to the contexts' handlers at start-up, so the job runner imports no context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class UnknownJob(Exception):
    """An event no handler knows (written by a newer release, say): it is dead-lettered."""


class Handlers(dict[str, Handler]):
    """Job kind to handler."""

    def register(self, kind: str, handler: Handler) -> None:
        if kind in self:
            raise ValueError(f"a handler for {kind!r} is registered already")
        self[kind] = handler

    async def execute(self, kind: str, payload: dict[str, Any]) -> None:
        handler = self.get(kind)
        if handler is None:
            raise UnknownJob(kind)
        await handler(payload)
