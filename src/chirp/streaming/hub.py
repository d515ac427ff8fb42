"""The hub: named channels of events, shared by every open stream, and who is streaming.

One interface, two implementations, chosen by settings: ``InProcessHub`` for the embedded
default (one process) and ``RedisHub`` when ``CHIRP_REDIS_URL`` is set, so that every worker
process sees every other's events. Either way a process subscribes a channel once for all of
its connections and hands each event to them locally (what Mastodon's streaming server does).

Channel names are Mastodon's: ``timeline:{account_id}``, ``timeline:{account_id}:notifications``,
``timeline:public``, ``timeline:public:local``, ``timeline:hashtag:{tag}`` and
``timeline:hashtag:{tag}:local``.

Presence: ``online(account_ids)`` answers which accounts have a user stream open in any
process; fan-out publishes home ``update`` events only to them. ``everyone_online()`` lists
them all (a superset, possibly), so fan-out for a big pulled author can start from the few
online accounts instead of walking every follower.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol

from chirp.streaming.messages import Envelope


class Subscriber(Protocol):
    def deliver(self, channel: str, envelope: Envelope) -> None:
        """Take one event; must not block (the hub calls it for every subscriber in turn)."""


class Hub:
    """The shared part: local subscribers and presence; subclasses move events between
    processes by overriding ``publish_many`` and the ``_listen`` ... ``_mark_absent`` hooks."""

    def __init__(self) -> None:
        self._local: dict[str, set[Subscriber]] = {}
        self._present: Counter[int] = Counter()

    async def publish(self, channel: str, envelope: Envelope) -> None:
        await self.publish_many([(channel, envelope)])

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None:
        """Publish each envelope on its channel, in order."""
        raise NotImplementedError

    async def subscribe(self, subscriber: Subscriber, channels: Iterable[str]) -> None:
        first = []
        for channel in channels:
            listeners = self._local.setdefault(channel, set())
            if not listeners:
                first.append(channel)
            listeners.add(subscriber)
        if first:
            await self._listen(first)

    async def unsubscribe(self, subscriber: Subscriber, channels: Iterable[str]) -> None:
        last = []
        for channel in channels:
            listeners = self._local.get(channel)
            if listeners is None:
                continue
            listeners.discard(subscriber)
            if not listeners:
                del self._local[channel]
                last.append(channel)
        if last:
            await self._unlisten(last)

    async def everyone_online(self) -> set[int]:
        """Every account that may have a user stream open anywhere (a superset: callers
        check with ``online``)."""
        return set(self._present)

    async def arrive(self, account_id: int) -> None:
        """One more user stream of this account is open in this process."""
        self._present[account_id] += 1
        if self._present[account_id] == 1:
            await self._mark_present(account_id)

    async def leave(self, account_id: int) -> None:
        self._present[account_id] -= 1
        if self._present[account_id] <= 0:
            del self._present[account_id]
            await self._mark_absent(account_id)

    async def online(self, account_ids: Iterable[int]) -> set[int]:
        """Which of these accounts have a user stream open, in this process or any other."""
        return {a for a in account_ids if self._present[a] > 0}

    @property
    def channels(self) -> int:
        """How many channels this process listens to (for tests and metrics)."""
        return len(self._local)

    def _dispatch(self, channel: str, envelope: Envelope) -> None:
        for subscriber in tuple(self._local.get(channel, ())):
            subscriber.deliver(channel, envelope)

    async def _listen(self, channels: list[str]) -> None:
        """Start receiving these channels (the first local subscriber arrived)."""

    async def _unlisten(self, channels: list[str]) -> None:
        """Stop receiving these channels (the last local subscriber left)."""

    async def _mark_present(self, account_id: int) -> None:
        """Tell other processes that this one streams to the account."""

    async def _mark_absent(self, account_id: int) -> None:
        """Tell other processes that this one no longer streams to the account."""

    async def close(self) -> None:
        self._local.clear()
        self._present.clear()


class InProcessHub(Hub):
    """The embedded default: publishing hands the event straight to this process's streams."""

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None:
        for channel, envelope in items:
            self._dispatch(channel, envelope)
