"""Home feeds in Redis: one sorted set per feed, status ids as members.

Scores are ``id >> 10``: a Redis score is a double, exact only to 53 bits, and a 63-bit id is
not; dropping the 10 shard bits leaves time | sequence | node, which is exact and still unique
per id (one process's sequence runs across all shards), so order and bounds stay exact. Marker
members with score 0 sort below every id: ``!`` (the feed is complete), ``?<deadline>`` (a
rebuild is under way until that deadline) and ``><score>`` (the floor: entries below it were
trimmed, see chirp.timelines.feeds.FeedSlice). Every change is one round trip: one script
for a whole batch of feeds.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from chirp.core.ids import SHARD_BITS
from chirp.core.pagination import Page
from chirp.timelines.feeds import FeedSlice

READY = "!"
FLOOR = ">"
# Feeds written by one script call (see RedisFeeds.add).
SCRIPT_FEEDS = 200

# Shared by the scripts: the floor marker (">" and the floor's score) and the trim that keeps
# the newest `size` ids above the markers, raising the floor to the oldest id kept.
_LIB = """
local function floor_marker(key)
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, 0, 0)) do
    if string.sub(m, 1, 1) == '>' then return m end
  end
  return false
end
local function raise_floor(key, at)
  local old = floor_marker(key)
  if old then
    if tonumber(string.sub(old, 2)) >= at then return end
    redis.call('ZREM', key, old)
  end
  redis.call('ZADD', key, 0, '>' .. string.format('%d', at))
end
local function trim_above(key, size, markers)
  local excess = redis.call('ZCARD', key) - markers - size
  if excess > 0 then
    redis.call('ZREMRANGEBYRANK', key, markers, markers + excess - 1)
    local lowest = redis.call('ZRANGE', key, markers, markers, 'WITHSCORES')
    raise_floor(key, tonumber(lowest[2]))
  end
end
local function trim(key, size)
  trim_above(key, size, redis.call('ZCOUNT', key, 0, 0))
end
"""

# Add one status to each feed of KEYS that exists, and only above its floor (below it the
# database answers): one call for a whole batch of followers, an absent (inactive, expired)
# feed skipped inside Redis. ARGV: member, score, size.
_ADD = (
    _LIB
    + """
local added, at, size = 0, tonumber(ARGV[2]), tonumber(ARGV[3])
for _, key in ipairs(KEYS) do
  -- One read for whether the feed exists (every feed holds a marker: ready or building),
  -- where its floor is and how many markers precede its ids.
  local markers = redis.call('ZRANGEBYSCORE', key, 0, 0)
  if #markers > 0 then
    local below = false
    for _, m in ipairs(markers) do
      if string.sub(m, 1, 1) == '>' and at < tonumber(string.sub(m, 2)) then below = true end
    end
    if not below then
      redis.call('ZADD', key, ARGV[2], ARGV[1])
      trim_above(key, size, #markers)
      added = added + 1
    end
  end
end
return added
"""
)

# Remove these members (ARGV) from each feed of KEYS.
_REMOVE = """
for _, key in ipairs(KEYS) do redis.call('ZREM', key, unpack(ARGV)) end
return 1
"""

# Start a build unless a live one holds the feed. ARGV: now (ms), deadline (ms), token, ttl (s).
_BEGIN = """
if redis.call('ZSCORE', KEYS[1], '!') == false then
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], 0, 0)) do
    if string.sub(m, 1, 1) == '?' then
      if tonumber(string.match(m, '^%?(%d+)')) > tonumber(ARGV[1]) then return 0 end
      redis.call('ZREM', KEYS[1], m)
    end
  end
end
redis.call('ZADD', KEYS[1], 0, '?' .. ARGV[2] .. ':' .. ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""

# Finish a build if its marker is still there. ARGV: marker, size, ttl, then score/member pairs
# (newest first). A build that filled the cap left older candidates out: its oldest is the floor.
_FINISH = (
    _LIB
    + """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
for i = 4, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
local size = tonumber(ARGV[2])
if (#ARGV - 3) / 2 >= size then raise_floor(KEYS[1], tonumber(ARGV[#ARGV - 1])) end
local floor = floor_marker(KEYS[1])
if floor then redis.call('ZREMRANGEBYSCORE', KEYS[1], '(0', '(' .. string.sub(floor, 2)) end
redis.call('ZADD', KEYS[1], 0, '!')
trim(KEYS[1], size)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""
)


# Read a slice: the markers, up to ARGV[4] ids between the bounds (newest first unless
# ARGV[1] is 1), and the expiry refreshed (reading is what keeps a feed alive).
# ARGV: ascending, high, low, count, ttl.
_READ = """
local markers = redis.call('ZRANGEBYSCORE', KEYS[1], 0, 0)
local ids
if ARGV[1] == '1' then
  ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[3], ARGV[2], 'LIMIT', 0, ARGV[4])
else
  ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[3], 'LIMIT', 0, ARGV[4])
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {markers, ids}
"""


def score(status_id: int) -> int:
    return status_id >> SHARD_BITS


class FeedRead:
    """One feed read, to go in a pipeline with other commands (``queue``), and its answer
    (``parse``): the hot read path sends it in the same round trip as its sync."""

    def __init__(self, feeds: RedisFeeds, key: str, page: Page) -> None:
        self.feeds, self.key, self.page = feeds, key, page

    def args(self) -> list[int | str]:
        page = self.page
        # Score bounds are inclusive and filtered exactly in parse: the bound's own score may
        # be shared by the bound id itself, never by another id (see the module docstring).
        high: int | str = "+inf" if page.max_id is None else score(page.max_id)
        lows = [b for b in (page.since_id, page.min_id) if b is not None]
        low: int | str = score(max(lows)) if lows else "(0"
        return [1 if page.ascending else 0, high, low, page.limit + 1, self.feeds.ttl]

    def queue(self, pipe: Any) -> None:
        pipe.evalsha(self.feeds.read_sha, 1, self.key, *self.args())

    def parse(self, found: Any) -> FeedSlice:
        raw, members = found
        markers = [m.decode() for m in raw]
        if READY not in markers:
            return FeedSlice(ready=False, ids=[])
        page = self.page
        ids = page.pick([int(m) for m in members if page.admits(int(m))])
        floors = [int(m[1:]) << SHARD_BITS for m in markers if m.startswith(FLOOR)]
        return FeedSlice(ready=True, ids=ids, floor=floors[0] if floors else None)


class RedisFeeds:
    def __init__(self, redis: Redis, prefix: str, size: int, ttl_seconds: float) -> None:
        self.redis = redis
        self.prefix = prefix
        self.size = size
        self.ttl = max(1, int(ttl_seconds))
        self._add = redis.register_script(_ADD)
        self._remove = redis.register_script(_REMOVE)
        self._begin = redis.register_script(_BEGIN)
        self._finish = redis.register_script(_FINISH)
        self._read = redis.register_script(_READ)
        self.read_sha = self._read.sha

    async def read(self, key: str, page: Page) -> FeedSlice:
        read = FeedRead(self, key, page)
        return read.parse(await self._read(keys=[key], args=read.args()))

    def ride(self, key: str, page: Page) -> FeedRead:
        """The read of ``read``, for a pipeline of the caller's."""
        return FeedRead(self, key, page)

    async def add(self, keys: Sequence[str], status_id: int) -> None:
        """One script call per ``SCRIPT_FEEDS`` feeds, all sent in one round trip: Redis
        runs a script alone, and readers (every hot request's sync) wait behind a long one,
        so short scripts leave them gaps, while the pipeline saves a round trip per call. The
        feeds span many hash slots, which one node serves; a Redis Cluster would need one
        call per slot."""
        await self._each(self._add, keys, [status_id, score(status_id), self.size])

    async def remove(self, keys: Sequence[str], status_ids: Sequence[int]) -> None:
        members = [str(i) for i in status_ids]
        if members:
            await self._each(self._remove, keys, members)

    async def _each(self, script: AsyncScript, keys: Sequence[str], args: list[Any]) -> None:
        """``script`` over ``keys`` a chunk at a time, in one pipeline, by its hash: a script
        object in a pipeline first asks Redis whether it holds the script, a round trip per
        call. It is loaded only when Redis lost it (a restart, SCRIPT FLUSH)."""
        chunks = [list(keys[n : n + SCRIPT_FEEDS]) for n in range(0, len(keys), SCRIPT_FEEDS)]
        results = await self._send(script, chunks, args)
        lost = [c for c, r in zip(chunks, results, strict=True) if isinstance(r, NoScriptError)]
        if lost:
            await self.redis.script_load(script.script)
            results = await self._send(script, lost, args)
        for result in results:
            if isinstance(result, Exception):
                raise result

    async def _send(
        self, script: AsyncScript, chunks: list[list[str]], args: list[Any]
    ) -> list[Any]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for chunk in chunks:
                pipe.evalsha(script.sha, len(chunk), *chunk, *args)
            return list(await pipe.execute(raise_on_error=False))

    async def begin_rebuild(self, key: str, lease_seconds: float) -> str | None:
        now_ms = int(time.time() * 1000)
        deadline = now_ms + int(lease_seconds * 1000)
        token = secrets.token_hex(6)
        began = await self._begin(keys=[key], args=[now_ms, deadline, token, self.ttl])
        return f"?{deadline}:{token}" if began else None

    async def finish_rebuild(self, key: str, token: str, ids: Sequence[int]) -> bool:
        pairs: list[int | str] = []
        for status_id in sorted(ids, reverse=True):
            pairs += [score(status_id), str(status_id)]
        done = await self._finish(keys=[key], args=[token, self.size, self.ttl, *pairs])
        return bool(done)

    async def drop(self, keys: Sequence[str]) -> None:
        if keys:
            await self.redis.delete(*keys)

    async def clear(self) -> None:
        async for batch in _scan_batches(self.redis, f"{self.prefix}{{a:*}}:feed:*"):
            await self.redis.delete(*batch)

    async def close(self) -> None:
        return None  # the client is the runtime's, shared with the caches: it closes it


async def _scan_batches(redis: Redis, pattern: str, size: int = 500):  # type: ignore[no-untyped-def]
    batch: list[bytes] = []
    async for key in redis.scan_iter(match=pattern, count=size):
        batch.append(key)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
