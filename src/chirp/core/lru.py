"""A bounded in-process map whose entries expire: least recently used out first past ``size``,
and an entry read after its time is gone. The in-process flavours of Chirp's caches (tokens,
rendered entities, relations) keep their entries in one of these."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlLru(Generic[K, V]):
    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: K, value: V) -> None:
        self._entries[key] = (self.clock() + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def values(self) -> list[V]:
        """The live values (a copy), least recently used first."""
        now = self.clock()
        return [value for deadline, value in self._entries.values() if deadline > now]

    def __len__(self) -> int:
        return len(self._entries)


class AgingMap(Generic[K, V]):
    """A bounded map read at the cost of a dict lookup: no bookkeeping on ``get`` (what makes
    ``TtlLru`` cost more than the lookup on a path read a hundred times per request).

    Past ``size`` entries the oldest stored goes first; ``sweep`` (called now and then, not
    per read) forgets entries stored more than ``ttl`` seconds ago."""

    def __init__(self, ttl: float, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self._values: dict[K, V] = {}
        self._stored: dict[K, float] = {}  # in the order stored, as _values

    def get(self, key: K) -> V | None:
        return self._values.get(key)

    def put(self, key: K, value: V) -> None:
        if key in self._values:  # stored again: it moves to the end of both
            del self._values[key], self._stored[key]
        self._values[key] = value
        self._stored[key] = self.clock()
        if len(self._values) > self.size:
            oldest = next(iter(self._stored))
            del self._values[oldest], self._stored[oldest]

    def pop(self, key: K) -> None:
        if self._values.pop(key, None) is not None:
            del self._stored[key]

    def clear(self) -> None:
        self._values.clear()
        self._stored.clear()

    def values(self) -> list[V]:
        return list(self._values.values())

    def sweep(self) -> None:
        """Forget what was stored more than ``ttl`` seconds ago."""
        deadline = self.clock() - self.ttl
        while self._stored:
            key, stored = next(iter(self._stored.items()))
            if stored > deadline:
                return
            del self._values[key], self._stored[key]

    def __len__(self) -> int:
        return len(self._values)
