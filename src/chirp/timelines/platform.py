"""What the timeline engine needs from the process: the graph platform, the feed store and
the home strategy, and the live streams fan-out hands statuses to.

Streams belong to ``chirp.streaming``, which sits above the timelines (its user stream applies
the home rules); fan-out reaches it through the ``StatusStreams`` protocol instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from chirp.graph.platform import GraphPlatform
from chirp.timelines.feeding import FeedReader
from chirp.timelines.feeds import FeedStore
from chirp.timelines.home import HomeTimeline

Send = Callable[[list[int]], Awaitable[None]]


class StatusStreams(Protocol):
    """What fan-out tells live streams (``chirp.streaming.events`` implements it)."""

    async def everyone_online(self) -> set[int]:
        """Accounts with a user stream open in any process."""
        ...

    async def created(self, status_id: int) -> Send:
        """Stream a new status to its public streams and author; what streams it to each
        batch of followers (those of them online)."""
        ...

    async def updated(self, status_id: int, account_ids: Iterable[int]) -> Send:
        """The same for an edit, also to ``account_ids``."""
        ...

    async def deleted(
        self,
        status_id: int,
        account_ids: Iterable[int],
        *,
        public: bool = True,
        tags: Iterable[str] = (),
    ) -> None:
        """Stream a delete to these accounts (and the public and ``tags`` streams)."""
        ...


class TimelinesPlatform(GraphPlatform, Protocol):
    @property
    def feeds(self) -> FeedStore: ...

    @property
    def feed_reader(self) -> FeedReader: ...

    @property
    def home(self) -> HomeTimeline: ...

    @property
    def streams(self) -> StatusStreams: ...
