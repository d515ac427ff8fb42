"""Which accounts moderators restricted, held in every process as sets of ids.

Every read asks about them: a suspended account's posts leave every timeline, thread and
search result for everyone else, a silenced one's reach only its followers, and neither a
suspended nor a disabled account's tokens work. Asking the database on every read would cost
a query per page; these accounts are few, so each process holds all of them and asks a set.

The sets are mutated in place, never replaced: a viewer's relations (chirp.graph.relations)
and the token cache hold references to them and see a change at once. A process that changes
an account's standing reloads at once after its commit and tells the others through Redis
(``CHANNEL``); every process also reloads every ``poll`` seconds, which bounds how long one
that missed the message (Redis away, or a ``chirp admin`` command beside an embedded server)
keeps the old sets. Listeners (the hot path's copies) hear of every change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import structlog

from chirp.accounts.repository import AccountRepository

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from chirp.db.uow import UnitOfWork

log = structlog.get_logger(__name__)
CHANNEL = "standing"


class Standing:
    def __init__(self, redis: Redis | None = None, prefix: str = "", poll: float = 5.0) -> None:
        self.suspended: set[int] = set()
        self.silenced: set[int] = set()
        self.disabled: set[int] = set()
        self.locked_out: set[int] = set()  # suspended or disabled: no login, no token
        self.poll = poll
        self._redis = redis
        self._channel = f"{prefix}{CHANNEL}"
        self._listeners: list[Callable[[], None]] = []
        self._reloading = asyncio.Lock()

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def apply(self, suspended: set[int], silenced: set[int], disabled: set[int]) -> bool:
        """Hold these sets; whether anything changed (and listeners were told)."""
        if (suspended, silenced, disabled) == (self.suspended, self.silenced, self.disabled):
            return False
        for held, now in (
            (self.suspended, suspended),
            (self.silenced, silenced),
            (self.disabled, disabled),
            (self.locked_out, suspended | disabled),
        ):
            held.intersection_update(now)
            held.update(now)
        for listener in self._listeners:
            listener()
        return True

    def reset(self) -> None:
        """Hold nothing (tests, over emptied databases)."""
        self.apply(set(), set(), set())

    async def refresh(self, uow: Callable[[], UnitOfWork]) -> bool:
        # One at a time: a slow reload applied after a newer one would bring back what a
        # moderator just lifted (or drop what was just imposed) until the next poll.
        async with self._reloading:
            async with uow() as reading:
                rows = await AccountRepository(reading).restricted()
            return self.apply(
                {a.id for a in rows if a.suspended_at is not None},
                {a.id for a in rows if a.silenced_at is not None},
                {a.id for a in rows if a.disabled_at is not None},
            )

    async def changed(self, uow: Callable[[], UnitOfWork]) -> None:
        """After a commit that changed an account's standing: reload here, tell the rest."""
        await self.refresh(uow)
        if self._redis is None:
            return
        try:
            await self._redis.publish(self._channel, b"1")
        except Exception:  # the others still reload within ``poll`` seconds
            log.warning("standing_change_not_published", exc_info=True)

    async def watch(self, uow: Callable[[], UnitOfWork]) -> None:
        """Keep the sets fresh for as long as the server runs (a lifespan task): on every
        message, and every ``poll`` seconds whatever Redis does."""
        while True:
            try:
                await self._follow(uow)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("standing_watch_failed", exc_info=True)
                await asyncio.sleep(1)

    async def _follow(self, uow: Callable[[], UnitOfWork]) -> None:
        await self.refresh(uow)  # first, whatever Redis does
        pubsub: Any = None
        if self._redis is not None:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(self._channel)
            except Exception:  # Redis away: polling alone, and subscribing again later
                log.warning("standing_not_subscribed", exc_info=True)
                pubsub = None
        try:
            while True:
                if pubsub is None:
                    await asyncio.sleep(self.poll)
                    await self.refresh(uow)
                    if self._redis is not None:
                        return  # try subscribing again
                    continue
                await pubsub.get_message(ignore_subscribe_messages=True, timeout=self.poll)
                await self.refresh(uow)  # a message, or the poll's time
        finally:
            if pubsub is not None:
                await pubsub.aclose()
