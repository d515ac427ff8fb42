"""Deterministic snowflakes for seeded rows.

Seeded ids use node 63 and a fixed sequence value per kind of row, and each kind's stream has
strictly increasing milliseconds, so no two seeded rows share an id. Live servers mint at the
current time, after the seeded window, so they never collide with seeded rows either.
"""

from __future__ import annotations

from datetime import UTC, datetime

from chirp.core.ids import EPOCH_MS, NODE_SHIFT, SEQ_SHIFT, TIME_SHIFT

SEED_NODE = 63
ACCOUNT, STATUS, FOLLOW, FAVOURITE, TOKEN, APP = range(6)


class IdStream:
    """Ids of one kind of row, minted in time order (a repeated millisecond moves on by one)."""

    __slots__ = ("_kind", "_last")

    def __init__(self, kind: int) -> None:
        self._kind = kind
        self._last = -1

    def mint(self, ms: int, shard: int) -> int:
        """An id at ``ms`` (milliseconds since the id epoch) for a logical shard."""
        ms = max(ms, self._last + 1)
        self._last = ms
        return (ms << TIME_SHIFT) | (self._kind << SEQ_SHIFT) | (SEED_NODE << NODE_SHIFT) | shard


def ms_of(moment: datetime) -> int:
    return int(moment.timestamp() * 1000) - EPOCH_MS


def moment(ms: int) -> datetime:
    return datetime.fromtimestamp((ms + EPOCH_MS) / 1000, tz=UTC)
