"""What every context needs from the process it runs in: the ``Platform`` protocol.

The composition root (``chirp.runtime.Runtime``) builds these pieces once per process. A
context names the protocol of the pieces it uses (this one, or its own extension of it with
the pieces a context below it owns), never the runtime itself, so no context knows the
contexts above it. Tests pass the same runtime, with fakes at the edges.
"""

from __future__ import annotations

from typing import Protocol

from chirp.config import Settings
from chirp.core.clock import Clock
from chirp.core.entities import EntityCache
from chirp.core.ids import IdGenerator
from chirp.core.metrics import Metrics
from chirp.core.throttle import Throttle
from chirp.db.events import Events
from chirp.db.shards import ShardMap
from chirp.db.uow import UnitOfWork


class Platform(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def shards(self) -> ShardMap: ...

    @property
    def ids(self) -> IdGenerator: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def metrics(self) -> Metrics: ...

    @property
    def entities(self) -> EntityCache:
        """Rendered statuses and accounts (``chirp.core.entities``)."""
        ...

    @property
    def throttle(self) -> Throttle:
        """Rate limits (``chirp.core.throttle``)."""
        ...

    @property
    def events(self) -> Events:
        """Domain events between contexts (``chirp.db.events``)."""
        ...

    def uow(self, *, write: bool = False) -> UnitOfWork:
        """A unit of work; ``write=True`` for use cases that change rows."""
        ...
