"""Home feeds: the ids of a viewer's home timeline candidates, newest kept, oldest trimmed.

A feed is a cache. It exists only once it is complete: rebuilt from the database (the pull
strategy's query) the first time it is read, or after it was lost, evicted, invalidated by a
change to the viewer's follows, or expired because nobody read it for ``feed_inactive_days``.
Fan-out adds to feeds that exist and never creates one, so an absent feed costs nothing to
fan out to and is simply rebuilt on return.

Two stores behave the same: ``MemoryFeeds`` (the embedded default, one process) and
``RedisFeeds`` (chirp.timelines.redis_feeds). Feeds hold ids only; statuses are hydrated on read.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from chirp.core.pagination import Page


@dataclass(frozen=True, slots=True)
class FeedSlice:
    """What a read found: ``ready`` False means the feed is absent or still being built (the
    caller answers from the database). ``floor``: the feed holds every candidate from this id
    up, and below it entries may have been trimmed (or never loaded by a capped rebuild); None
    when the feed holds everything. Removing entries never lowers it, so a feed that trimmed
    and then lost a deleted status still sends older pages to the database."""

    ready: bool
    ids: list[int]
    floor: int | None = None


class FeedRide(Protocol):
    """A feed read as one command in someone else's pipeline (see ``FeedStore.ride``)."""

    def queue(self, pipe: Any) -> None: ...

    def parse(self, found: Any) -> FeedSlice: ...


class FeedStore(Protocol):
    async def read(self, key: str, page: Page) -> FeedSlice:
        """Up to ``page.limit`` ids of the feed inside the page's bounds, newest first, and
        refresh the feed's expiry (a read is what keeps a feed alive)."""
        ...

    def ride(self, key: str, page: Page) -> FeedRide | None:
        """``read`` as one command for a pipeline of the caller's (None: read it alone)."""
        ...

    async def add(self, keys: Sequence[str], status_id: int) -> None:
        """Add one status to every feed of ``keys`` that exists (idempotent), trimmed."""
        ...

    async def remove(self, keys: Sequence[str], status_ids: Sequence[int]) -> None: ...

    async def begin_rebuild(self, key: str, lease_seconds: float) -> str | None:
        """Mark the feed as being built and answer a token; None when another build of it is
        under way. From here on fan-out adds to it, so nothing committed later is missed."""
        ...

    async def finish_rebuild(self, key: str, token: str, ids: Sequence[int]) -> bool:
        """Fill the feed and mark it ready, unless it was dropped since ``begin_rebuild``
        (an invalidation won: the ids may be stale, and the next read builds again)."""
        ...

    async def drop(self, keys: Sequence[str]) -> None: ...

    async def clear(self) -> None:
        """Every feed of this deployment (tests, and `chirp feeds clear`)."""
        ...

    async def close(self) -> None: ...


@dataclass(slots=True)
class _Feed:
    ids: list[int] = field(default_factory=list)  # ascending
    ready: bool = False
    builders: dict[str, float] = field(default_factory=dict)  # token -> lease deadline
    touched: float = 0.0
    floor: int | None = None

    def trim(self, size: int) -> None:
        """Keep the newest ``size`` ids; what goes raises the floor (adds below the floor
        are refused, so the oldest kept is above everything trimmed before)."""
        if len(self.ids) > size:
            del self.ids[: len(self.ids) - size]
            self.floor = self.ids[0]


class MemoryFeeds:
    """The in-process store: the same rules as Redis (cap, expiry, build markers)."""

    def __init__(self, size: int, ttl_seconds: float, now: Callable[[], float] = time.time) -> None:
        self.size = size
        self.ttl = ttl_seconds
        self._now = now
        self._feeds: dict[str, _Feed] = {}

    def _get(self, key: str) -> _Feed | None:
        feed = self._feeds.get(key)
        if feed is not None and self._now() - feed.touched > self.ttl:
            del self._feeds[key]  # expired, as a Redis key with a TTL would be
            return None
        return feed

    async def read(self, key: str, page: Page) -> FeedSlice:
        feed = self._get(key)
        if feed is None or not feed.ready:
            return FeedSlice(ready=False, ids=[])
        feed.touched = self._now()
        return FeedSlice(ready=True, ids=_slice(feed.ids, page), floor=feed.floor)

    def ride(self, key: str, page: Page) -> FeedRide | None:
        return None  # in memory: reading costs no round trip to share

    async def add(self, keys: Sequence[str], status_id: int) -> None:
        for key in keys:
            feed = self._get(key)
            if feed is None or (feed.floor is not None and status_id < feed.floor):
                continue  # below the floor the database answers (a late, old delivery)
            at = bisect.bisect_left(feed.ids, status_id)
            if at == len(feed.ids) or feed.ids[at] != status_id:
                feed.ids.insert(at, status_id)
                feed.trim(self.size)

    async def remove(self, keys: Sequence[str], status_ids: Sequence[int]) -> None:
        gone = set(status_ids)
        for key in keys:
            feed = self._get(key)
            if feed is not None:
                feed.ids = [i for i in feed.ids if i not in gone]

    async def begin_rebuild(self, key: str, lease_seconds: float) -> str | None:
        now = self._now()
        feed = self._get(key)
        if feed is None:
            feed = self._feeds[key] = _Feed(touched=now)
        elif not feed.ready and any(deadline > now for deadline in feed.builders.values()):
            return None
        token = f"{now:.6f}:{id(feed)}:{len(feed.builders)}"
        feed.builders[token] = now + lease_seconds
        return token

    async def finish_rebuild(self, key: str, token: str, ids: Sequence[int]) -> bool:
        feed = self._get(key)
        if feed is None or token not in feed.builders:
            return False
        del feed.builders[token]
        if len(ids) >= self.size:  # the build was capped: older candidates were left out
            feed.floor = max(feed.floor or 0, min(ids))
        feed.ids = sorted(i for i in set(feed.ids) | set(ids) if i >= (feed.floor or 0))
        feed.trim(self.size)
        feed.ready = True
        feed.touched = self._now()
        return True

    async def drop(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._feeds.pop(key, None)

    async def clear(self) -> None:
        self._feeds.clear()

    async def close(self) -> None:
        return None


def _slice(ids: list[int], page: Page) -> list[int]:
    """``page.pick`` of the ascending ``ids`` inside the page's bounds, without a look at
    the ids outside them (a feed holds hundreds; a page wants tens)."""
    low = max(page.since_id or 0, page.min_id or 0)
    start = bisect.bisect_right(ids, low)
    end = len(ids) if page.max_id is None else bisect.bisect_left(ids, page.max_id)
    if page.ascending:
        return ids[start : min(start + page.limit, end)][::-1]
    return ids[max(start, end - page.limit) : end][::-1]
