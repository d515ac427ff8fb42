"""How changes reach every process's hot store.

A write, once committed, *publishes* change entries (``chirp.hotpath.subscribers`` turns the
domain events and cache drops into them). Its own process applies them at once (once they
are in the log), so the writer's next request sees its change. Every entry of one unit of
work's after-commit steps goes out as one change (``gathering``): a process applies them
together, so no request is answered between a post's drop of its author's account and the
entry that brings the account back. Other processes learn them from the change log:

- ``LocalChanges`` (the embedded default, one process): there is no one else to tell.
- ``RedisChanges``: the entries go to a Redis stream. Before a hot request answers, its
  process *syncs*: reads every entry added since it last looked and applies it, so a
  request sees every change committed before it began, as the database would show it. Syncs
  are coalesced: a request joins the next read that starts after it arrived, and one round
  trip serves every request that arrived meanwhile, so under load the cost per request is a
  fraction of a round trip. A background loop syncs every second, so an idle process stays
  current too.

The store is trusted only while the process keeps up: if Redis cannot be read, the log was
trimmed past what it saw (it stopped syncing for ``STALE_SECONDS``), or the log's generation
changed (Redis restarted empty, or was flushed), the process drops everything it holds and
fills again.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import orjson
import structlog
from redis.exceptions import RedisError

from chirp.hotpath.store import Entry, HotStore

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = structlog.get_logger(__name__)
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
READ_COUNT = 1000
MAX_LENGTH = 100_000
STALE_SECONDS = 30.0
FOLLOW_SECONDS = 1.0


class Rider(Protocol[T_co]):
    """A read that goes along with a sync, in its round trip (a home feed's slice)."""

    def queue(self, pipe: Any) -> None:
        """Add the read's one command to the sync's pipeline."""
        ...

    def parse(self, found: Any) -> T_co: ...


class Passenger(Protocol):
    """Something that goes along with every sync while it has anything to send (the rate
    limits' counts): its commands join the sync's pipeline, and their results come back."""

    def board(self, pipe: Any) -> int:
        """Queue the commands of everything pending; how many were queued."""
        ...

    def land(self, results: list[Any] | None) -> None:
        """The results of what ``board`` queued; None: the round failed."""
        ...


class Changes(Protocol):
    async def publish(self, entries: Sequence[Entry]) -> None:
        """Entries of a committed change: applied here at once, and shared (inside
        ``gathering``: once it ends, with the others of the same unit of work)."""
        ...

    def gathering(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Within it, this task's publishes go out together as one change when it ends."""
        ...

    async def sync(self, ride: Rider[T] | None = None) -> tuple[bool, T | None]:
        """Apply every change committed before this call; False when the store cannot be
        trusted now (the caller answers from the database). With ``ride``, also its answer,
        read in the same round trip, or None (the caller reads it itself)."""
        ...

    def soon(self) -> asyncio.Future[bool] | None:
        """Make sure a sync starts soon without waiting for it (its passengers go along);
        None where there is nothing to sync."""
        ...

    def carry(self, passenger: Passenger) -> None:
        """Take ``passenger`` along with every sync from now on."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


# The entries gathered so far, and the task gathering them: a task started meanwhile inherits
# the variable but must publish its own changes itself.
_gathered: ContextVar[tuple[asyncio.Task[Any] | None, list[Entry]] | None] = ContextVar(
    "hot_changes_gathered", default=None
)


class _Gathers:
    """``publish`` and ``gathering`` over a ``_publish`` of one whole change."""

    async def publish(self, entries: Sequence[Entry]) -> None:
        held = _gathered.get()
        if held is not None and held[0] is asyncio.current_task():
            held[1].extend(entries)
            return
        if entries:
            await self._publish(entries)

    @contextlib.asynccontextmanager
    async def gathering(self) -> AsyncIterator[None]:
        owner = asyncio.current_task()
        held = _gathered.get()
        if held is not None and held[0] is owner:
            yield  # already gathering: the outer one publishes
            return
        entries: list[Entry] = []
        token = _gathered.set((owner, entries))
        try:
            yield
        finally:
            _gathered.reset(token)
            if entries:  # committed whatever happened after: it must be told
                try:
                    await self._publish(entries)
                except Exception:  # never fail the commit these steps follow
                    log.exception("hot_change_not_applied")

    async def _publish(self, entries: Sequence[Entry]) -> None:
        raise NotImplementedError


class LocalChanges(_Gathers):
    def __init__(self, store: HotStore) -> None:
        self.store = store
        self._count = 0

    async def _publish(self, entries: Sequence[Entry]) -> None:
        self._count += 1
        self.store.apply(entries, f"0-{self._count}")  # marks in the order applied

    async def sync(self, ride: Rider[T] | None = None) -> tuple[bool, T | None]:
        return True, None

    def soon(self) -> asyncio.Future[bool] | None:
        return None

    def carry(self, passenger: Passenger) -> None:
        raise TypeError("one process has no round trip to share")

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisChanges(_Gathers):
    def __init__(self, redis: Redis, prefix: str, store: HotStore) -> None:
        self.redis = redis
        self.store = store
        # Cluster-ready: the log and its generation share one hash slot.
        self.key = f"{prefix}{{hot}}:log"
        self.generation_key = f"{prefix}{{hot}}:generation"
        self._seen = "0-0"  # the last entry applied
        self._own: set[str] = set()  # entries this process published, not yet read back
        self._generation: bytes | None = None
        self._synced = 0.0  # when the last sync succeeded (monotonic)
        self._next: asyncio.Future[bool] | None = None
        self._riders: list[tuple[Rider[Any], asyncio.Future[Any]]] = []
        self._passengers: list[Passenger] = []
        self._rounds: asyncio.Task[None] | None = None
        self._follower: asyncio.Task[None] | None = None

    async def _publish(self, entries: Sequence[Entry]) -> None:
        # Applied here once written, with its id in the log: every process marks a change
        # with the same id (``HotStore.apply``).
        mark = None
        try:
            written = await self.redis.xadd(
                self.key, {"e": orjson.dumps(list(entries))}, maxlen=MAX_LENGTH, approximate=True
            )
            mark = _text(written)
            self._own.add(mark)
        except RedisError:  # other processes miss it: their syncs fail too while Redis is away
            log.warning("hot_change_not_published", exc_info=True)
        self.store.apply(entries, mark)

    def carry(self, passenger: Passenger) -> None:
        self._passengers.append(passenger)

    def soon(self) -> asyncio.Future[bool]:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            if self._rounds is None:
                self._rounds = asyncio.create_task(self._run_rounds())
        return self._next

    async def sync(self, ride: Rider[T] | None = None) -> tuple[bool, T | None]:
        waiting = self.soon()
        answer: asyncio.Future[Any] | None = None
        if ride is not None:
            answer = asyncio.get_running_loop().create_future()
            self._riders.append((ride, answer))
        ok = await asyncio.shield(waiting)
        found = await asyncio.shield(answer) if answer is not None else None
        return ok, found

    async def _run_rounds(self) -> None:
        try:
            while self._next is not None:
                waiting, self._next = self._next, None
                riders, self._riders = self._riders, []
                try:
                    ok = await self._read(riders)
                except Exception:  # never leave a request waiting
                    log.warning("hot_sync_failed", exc_info=True)
                    ok = False
                    for passenger in self._passengers:
                        passenger.land(None)
                if not ok:
                    self.store.clear()
                    self._synced = 0.0
                for _, answer in riders:
                    if not answer.done():
                        answer.set_result(None)
                if not waiting.done():
                    waiting.set_result(ok)
        finally:
            self._rounds = None

    async def _read(self, riders: list[tuple[Rider[Any], asyncio.Future[Any]]]) -> bool:
        fresh = time.monotonic()
        passengers = self._passengers
        if self._synced and fresh - self._synced > STALE_SECONDS:
            self.store.clear()  # entries may have been trimmed while nobody looked
        while True:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.get(self.generation_key)
                pipe.xrange(self.key, f"({self._seen}", "+", count=READ_COUNT)
                for ride, _ in riders:
                    ride.queue(pipe)
                boarded = [(p, p.board(pipe)) for p in passengers]
                generation, found, *ridden = await pipe.execute(raise_on_error=False)
            at = len(riders)
            for passenger, queued in boarded:
                passenger.land(ridden[at : at + queued])
                at += queued
            del ridden[len(riders) :]
            passengers = []
            if isinstance(generation, Exception) or isinstance(found, Exception):
                raise generation if isinstance(generation, Exception) else found
            if generation is None or generation != self._generation:
                await self._new_generation(generation)
                return True
            for entry_id, fields in found:
                self._seen = _text(entry_id)
                if self._seen in self._own:  # applied when published: not again (a second
                    self._own.discard(self._seen)  # time would undo what it stored)
                    continue
                self.store.apply(orjson.loads(fields[b"e"]), self._seen)
            for (ride, answer), result in zip(riders, ridden, strict=True):
                if not isinstance(result, Exception):  # (a script not loaded yet: read it alone)
                    answer.set_result(ride.parse(result))
            riders = []
            if len(self._own) > READ_COUNT:  # read past without meeting them (trimmed)
                seen = _order(self._seen)
                self._own = {m for m in self._own if _order(m) > seen}
            if len(found) < READ_COUNT:
                self._synced = fresh
                return True

    async def _new_generation(self, generation: bytes | None) -> None:
        """Redis lost the log (or this process just started): begin from its end, holding
        nothing that a lost entry might have made stale."""
        if generation is None:
            await self.redis.set(self.generation_key, secrets.token_hex(8), nx=True)
            generation = _bytes(await self.redis.get(self.generation_key))
        last = await self.redis.xrevrange(self.key, "+", "-", count=1)
        self.store.clear()
        self._own.clear()
        self._generation = generation
        self._seen = _text(last[0][0]) if last else "0-0"
        self._synced = time.monotonic()

    async def start(self) -> None:
        if self._follower is None or self._follower.done():
            self._follower = asyncio.create_task(self._follow())

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(FOLLOW_SECONDS)
            with contextlib.suppress(Exception):
                await self.sync()

    async def close(self) -> None:
        for task in (self._follower, self._rounds):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def _bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _order(mark: str) -> tuple[int, int]:
    """A log entry id ("ms-seq") as it sorts."""
    ms, _, seq = mark.partition("-")
    return int(ms), int(seq or 0)
