"""Loads in flight, so that requests missing the same things at once load them once.

A process that starts cold under load sees many requests at once, each missing something:
the same few pages, or different statuses. A request that needs a key another request is
loading waits for that load; keys missed in the same turn of the event loop are loaded
together, in one fill (one query per table, whatever the number of keys), like a data
loader's batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Fetch = Callable[[list[K]], Awaitable[dict[K, V]]]


class Flights(Generic[K, V]):
    """Every caller of one ``Flights`` passes the same ``fetch`` (a kind's fill)."""

    def __init__(self) -> None:
        self._pending: dict[K, asyncio.Future[V | None]] = {}
        self._queued: list[K] = []
        self._fetch: Fetch[K, V] | None = None
        self._flush: asyncio.Task[None] | None = None

    async def load(self, keys: Iterable[K], fetch: Fetch[K, V]) -> dict[K, V]:
        """The values of ``keys`` that exist."""
        loop = asyncio.get_running_loop()
        futures: dict[K, asyncio.Future[V | None]] = {}
        for key in keys:
            future = self._pending.get(key)
            if future is None:
                future = self._pending[key] = loop.create_future()
                self._queued.append(key)
            futures[key] = future
        if self._queued and self._flush is None:
            self._fetch = fetch
            self._flush = loop.create_task(self._run())
        found: dict[K, V] = {}
        for key, future in futures.items():
            value = await asyncio.shield(future)
            if value is not None:
                found[key] = value
        return found

    async def _run(self) -> None:
        try:
            await asyncio.sleep(0)  # the other requests of this turn of the loop add theirs
            while self._queued:
                keys, self._queued = self._queued, []
                assert self._fetch is not None
                try:
                    found = await self._fetch(keys)
                except BaseException as exc:
                    for key in keys:
                        future = self._pending.pop(key)
                        future.set_exception(exc)
                        future.exception()  # retrieved: nobody may be waiting for it
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for key in keys:
                    self._pending.pop(key).set_result(found.get(key))
        finally:
            self._flush = None

    async def one(self, key: K, fetch: Callable[[], Awaitable[V]]) -> V:
        """``fetch`` the value of ``key`` unless another request is loading it (a kind
        whose loads are one key each: never batched with ``load``)."""
        future = self._pending.get(key)
        if future is not None:
            value = await asyncio.shield(future)
            assert value is not None
            return value
        future = self._pending[key] = asyncio.get_running_loop().create_future()
        try:
            value = await fetch()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody may be waiting for it
            raise
        finally:
            self._pending.pop(key, None)
        future.set_result(value)
        return value
