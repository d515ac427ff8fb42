"""The hub over Redis pub/sub, for several worker processes (or hosts).

Each process keeps one pub/sub connection, subscribes a channel when its first local stream
needs it and unsubscribes when the last one leaves; a reader task hands each message to the
local streams. Redis does not keep pub/sub messages: an event published while a process is
disconnected is lost to its streams, as with Mastodon (clients catch up through the REST API).

Presence is a sorted set per account, ``streaming:online:{account_id}``, whose members are the
processes streaming to it, scored by when their claim expires. Each process renews its claims
every ``HEARTBEAT`` seconds; a crashed process's claims lapse after ``PRESENCE_TTL``. One more
sorted set, ``streaming:online``, holds every account with a claim, scored by its latest claim's
end (so it may still name an account that just left: ``everyone_online`` is a superset).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterable, Sequence

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from chirp.streaming.hub import Hub
from chirp.streaming.messages import Envelope

log = structlog.get_logger(__name__)

PRESENCE_TTL = 60
HEARTBEAT = 20
BATCH = 500
READ_TIMEOUT = 1.0

# Drop this process's claim; the account leaves the "everyone online" set only if no other
# process holds a live claim (in one step, so a claim made meanwhile is never lost).
# KEYS: the account's presence, everyone online. ARGV: this node, now, the account id.
_LEAVE = """
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCOUNT', KEYS[1], ARGV[2], '+inf') == 0 then redis.call('ZREM', KEYS[2], ARGV[3]) end
return 1
"""


class RedisHub(Hub):
    def __init__(self, url: str, prefix: str = "") -> None:
        super().__init__()
        self._node = uuid.uuid4().hex  # this process, as a member of presence sets
        # Named, so an operator (or a test) can tell this process's connections apart.
        self.client_name = f"chirp-streaming-{self._node[:12]}"
        self._redis = Redis.from_url(url, client_name=self.client_name)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._prefix = prefix
        self._tasks: list[asyncio.Task[None]] = []
        self._reading = False
        self._renewing = False
        self._leave = self._redis.register_script(_LEAVE)

    def _presence_key(self, account_id: int) -> str:
        return f"{self._prefix}streaming:online:{account_id}"

    @property
    def _everyone_key(self) -> str:
        return f"{self._prefix}streaming:online"

    async def publish_many(self, items: Sequence[tuple[str, Envelope]]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for channel, envelope in items:
                pipe.publish(self._prefix + channel, envelope.encode())
            await pipe.execute()

    async def _listen(self, channels: list[str]) -> None:
        await self._pubsub.subscribe(*(self._prefix + c for c in channels))
        if not self._reading:  # get_message needs the connection subscribe() opens
            self._reading = True
            self._tasks.append(asyncio.create_task(self._read(), name="redis-hub-reader"))

    async def _unlisten(self, channels: list[str]) -> None:
        await self._pubsub.unsubscribe(*(self._prefix + c for c in channels))

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=READ_TIMEOUT
                )
            except Exception:  # the reader must outlive any failure: it serves every stream
                # redis-py reconnects and re-subscribes on the next read; wait a little first.
                log.warning("redis_hub_read_failed", exc_info=True)
                await asyncio.sleep(1)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"].decode()[len(self._prefix) :]
            try:
                envelope = Envelope.decode(message["data"])
            except (ValueError, KeyError, TypeError):
                log.warning("redis_hub_bad_message", channel=channel)
                continue
            self._dispatch(channel, envelope)

    async def _mark_present(self, account_id: int) -> None:
        await self._claim([account_id])
        if not self._renewing:
            self._renewing = True
            self._tasks.append(asyncio.create_task(self._renew(), name="redis-hub-heartbeat"))

    async def _mark_absent(self, account_id: int) -> None:
        keys = [self._presence_key(account_id), self._everyone_key]
        with contextlib.suppress(RedisError):  # the claim lapses by itself anyway
            await self._leave(keys=keys, args=[self._node, time.time(), str(account_id)])

    async def _claim(self, account_ids: Iterable[int]) -> None:
        until = time.time() + PRESENCE_TTL
        for chunk in _batches(list(account_ids)):
            async with self._redis.pipeline(transaction=False) as pipe:
                for account_id in chunk:
                    key = self._presence_key(account_id)
                    pipe.zadd(key, {self._node: until})
                    pipe.expire(key, PRESENCE_TTL)
                pipe.zadd(self._everyone_key, dict.fromkeys(map(str, chunk), until), gt=True)
                await pipe.execute()

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self._claim(list(self._present))
                await self._redis.zremrangebyscore(self._everyone_key, "-inf", time.time())
            except RedisError:
                log.warning("redis_hub_presence_renewal_failed", exc_info=True)

    async def everyone_online(self) -> set[int]:
        members = await self._redis.zrangebyscore(self._everyone_key, time.time(), "+inf")
        return {int(m) for m in members if isinstance(m, bytes | str)} | set(self._present)

    async def online(self, account_ids: Iterable[int]) -> set[int]:
        """From the "everyone online" set, one command per batch: an account that just left
        may still count as online (its latest claim's end), which costs a publish nobody
        hears, never a missed event."""
        wanted = list(dict.fromkeys(account_ids))
        now = time.time()
        found = {a for a in wanted if self._present[a] > 0}
        for chunk in _batches([a for a in wanted if a not in found]):
            ends = await self._redis.zmscore(self._everyone_key, [str(a) for a in chunk])
            found.update(a for a, end in zip(chunk, ends, strict=True) if end and end > now)
        return found

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        with contextlib.suppress(RedisError):
            for account_id in list(self._present):
                await self._mark_absent(account_id)
        await super().close()
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        await self._redis.aclose()


def _batches(items: list[int]) -> list[list[int]]:
    return [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
