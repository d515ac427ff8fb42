"""Domain events within a process: the Observer between contexts.

A context that must make a context above it act does not call it: it says what happened
(``StatusFavourited``, ``AccountBlocked``) with ``emit``, and the contexts that care subscribe
in the composition root (``chirp.subscriptions``), so an emitter never imports its listeners.

A subscriber runs either *within* the emitting unit of work (before it commits, in the same
transactions: a removed favourite takes its notification with it, or neither goes) or *after
its commit* (a side effect that must never see rows a rollback takes back). A rollback drops
what was to run after commit. What must survive a crash goes through the outbox instead
(``chirp.jobs.outbox.record``), whose handlers are registered by name the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from chirp.db.uow import UnitOfWork

E = TypeVar("E")
Within = Callable[[UnitOfWork, Any], Awaitable[None]]
After = Callable[[Any], Awaitable[None]]


class Events:
    def __init__(self) -> None:
        self._within: dict[type, list[Within]] = defaultdict(list)
        self._after: dict[type, list[After]] = defaultdict(list)

    def within(self, kind: type[E], handler: Callable[[UnitOfWork, E], Awaitable[None]]) -> None:
        """Run ``handler`` inside the unit of work that emits a ``kind`` event."""
        self._within[kind].append(handler)

    def after_commit(self, kind: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        """Run ``handler`` once the unit of work that emits a ``kind`` event has committed."""
        self._after[kind].append(handler)

    async def emit(self, uow: UnitOfWork, event: object) -> None:
        for within in self._within.get(type(event), ()):
            await within(uow, event)
        for after in self._after.get(type(event), ()):
            uow.after_commit(partial(after, event))
