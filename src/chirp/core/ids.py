"""Snowflake-style 64-bit ids that carry the owning account's logical shard.

Layout, most significant bit first (63 bits used, so ids stay positive in a signed BIGINT):

    | 41 bits: ms since 2025-01-01 | 6 bits: sequence | 6 bits: node | 10 bits: logical shard |

Time comes first, so ids sort by creation time and clients that compare them as numbers
(Mastodon's paging does) see newer ids as larger; the sequence next, so one process's ids
strictly increase whatever shard they are for. Ids minted by two processes in the same
millisecond order arbitrarily between themselves, as Mastodon's own do. The shard field routes
a row to its database with no lookup table. The node field is leased once per process (see
``chirp.core.node``), so two processes never mint the same id, with no coordination per id.
64 ids per millisecond per process; past that the generator waits for the next millisecond.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
SHARD_BITS = 10
NODE_BITS = 6
SEQ_BITS = 6
SEQ_MASK = (1 << SEQ_BITS) - 1
SHARD_SHIFT = 0
NODE_SHIFT = SHARD_BITS
SEQ_SHIFT = SHARD_BITS + NODE_BITS
TIME_SHIFT = SEQ_BITS + NODE_BITS + SHARD_BITS
SHARD_COUNT = 1 << SHARD_BITS
NODE_COUNT = 1 << NODE_BITS
MAX_ID = (1 << 63) - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def shard_of(snowflake: int) -> int:
    """The logical shard an id was minted for."""
    return (snowflake >> SHARD_SHIFT) & (SHARD_COUNT - 1)


def time_of(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> TIME_SHIFT) + EPOCH_MS) / 1000, tz=UTC)


def lowest_id_at(moment: datetime) -> int:
    """The smallest id that could be minted at ``moment``: a paging bound from a timestamp."""
    return max(0, int(moment.timestamp() * 1000) - EPOCH_MS) << TIME_SHIFT


def parse_id(raw: object) -> int | None:
    """An id from the wire (always a string in Mastodon's API), or None when it cannot be one."""
    text = str(raw)
    if not _DIGITS.fullmatch(text):  # not str.isdigit(): that admits "²" and other digits
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


class IdGenerator:
    """Mints ids for one process. Thread-safe; cheap enough to call per row."""

    __slots__ = ("_last_ms", "_lock", "_node", "_seq")

    def __init__(self, node: int) -> None:
        if not 0 <= node < NODE_COUNT:
            raise ValueError(f"node must be in [0, {NODE_COUNT})")
        self._node = node
        self._last_ms = 0
        self._seq = 0
        self._lock = threading.Lock()

    @property
    def node(self) -> int:
        return self._node

    def next_id(self, shard: int) -> int:
        if not 0 <= shard < SHARD_COUNT:
            raise ValueError(f"shard must be in [0, {SHARD_COUNT})")
        with self._lock:
            now = time.time_ns() // 1_000_000 - EPOCH_MS
            # A clock that steps backwards must not reuse ids: keep counting from the last ms.
            now = max(now, self._last_ms)
            if now == self._last_ms:
                self._seq = (self._seq + 1) & SEQ_MASK
                if self._seq == 0:
                    while now <= self._last_ms:
                        time.sleep(0.0001)
                        now = time.time_ns() // 1_000_000 - EPOCH_MS
            else:
                self._seq = 0
            self._last_ms = now
            return (
                (now << TIME_SHIFT)
                | (self._seq << SEQ_SHIFT)
                | (self._node << NODE_SHIFT)
                | (shard << SHARD_SHIFT)
            )
