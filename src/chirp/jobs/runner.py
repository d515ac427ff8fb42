"""Moving events from the outbox to their handlers, at least once.

Without a broker (the embedded default) the process that committed an event runs its handler
right after the commit, and a background loop picks up whatever is left: events whose handler
failed (retried with backoff), and events a crashed process had claimed (their lease runs out).
With a broker, the same claim-and-lease relay publishes events to RabbitMQ instead, and
``chirp worker`` processes consume them. Either way an event leaves the outbox only once it is
handled (or safely in the broker), and a job that fails every try is dead-lettered.
"""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from datetime import timedelta
from typing import Any

import structlog
from aio_pika.abc import AbstractIncomingMessage

from chirp.core.ids import time_of
from chirp.db.platform import Platform
from chirp.db.shards import PhysicalShard
from chirp.jobs.broker import BrokerUnavailable, RabbitBroker
from chirp.jobs.handlers import Handlers
from chirp.jobs.models import DeadJob, OutboxEvent
from chirp.jobs.repository import DeadJobRepository, OutboxRepository

log = structlog.get_logger(__name__)
LEASE = timedelta(seconds=60)
BATCH = 100
IDLE_SECONDS = 1.0
MEASURE_SECONDS = 10.0


class Jobs:
    def __init__(self, rt: Platform, handlers: Handlers) -> None:
        self.rt = rt
        self.handlers = handlers
        settings = rt.settings
        self.broker: RabbitBroker | None = None
        if settings.broker_url:
            self.broker = RabbitBroker(
                settings.broker_url,
                f"{settings.redis_prefix.rstrip(':')}.jobs",
                settings.job_retry_seconds,
                settings.job_max_attempts,
            )
        self._wake = asyncio.Event()
        self._measured = 0.0
        self._tasks: list[asyncio.Task[None]] = []
        self._handoffs: set[asyncio.Task[int]] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, *, consume: bool = False) -> None:
        """Run the relay loop in the background (and, in a worker, consume the broker)."""
        self._tasks.append(asyncio.create_task(self._loop(), name="chirp-outbox-relay"))
        if consume and self.broker is not None:
            await self.broker.consume(self._on_message, self.rt.settings.worker_prefetch)

    async def stop(self) -> None:
        # Unfinished hand-offs are cancelled: their events stay leased in the outbox and run
        # again once the lease ends, here or in another process.
        for task in [*self._tasks, *self._handoffs]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._handoffs.clear()
        if self.broker is not None:
            await self.broker.close()

    async def _loop(self) -> None:
        while True:
            try:
                handed = await self.pump()
                await self._measure()
            except (OSError, TimeoutError, BrokerUnavailable) as exc:  # a service away: briefly
                log.warning("outbox_relay_waiting", error=repr(exc))
                handed = 0
            except Exception:
                log.exception("outbox_relay_failed")
                handed = 0
            if not handed:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_SECONDS)

    # -- the outbox side ---------------------------------------------------------------------

    async def committed(self, ids: list[int]) -> None:
        """Events just committed: hand them on now rather than at the loop's next turn, waiting
        at most ``CHIRP_JOB_INLINE_WAIT`` seconds for them (publishing to a broker takes
        milliseconds; running a fan-out to many followers in process may take seconds). Waiting
        lets a small fan-out finish before the client reads its home; a big one goes on in the
        background, and its leased outbox row guarantees it finishes even if this process dies."""
        task = asyncio.create_task(self.pump(ids))
        self._handoffs.add(task)
        task.add_done_callback(self._handed_off)
        await asyncio.wait({task}, timeout=self.rt.settings.job_inline_wait)

    def _handed_off(self, task: asyncio.Task[int]) -> None:
        self._handoffs.discard(task)
        if task.cancelled():
            return
        if task.exception() is not None:  # the loop retries; the change itself is committed
            log.warning("outbox_handoff_deferred", error=repr(task.exception()))
            self._wake.set()

    async def pump(self, ids: list[int] | None = None) -> int:
        """Claim available events (only ``ids``, when given) and handle or publish them."""
        handed = 0
        # Given ids, only their own databases hold them (an event lives on its id's shard).
        shards: list[PhysicalShard] = list(self.rt.shards.physical)
        if ids is not None:
            mine = {self.rt.shards.for_id(i).index for i in ids}
            shards = [shard for shard in shards if shard.index in mine]
        for shard in shards:
            now = self.rt.clock.now()
            async with self.rt.uow(write=True) as uow:
                events = await OutboxRepository(uow).claim(shard, now, now + LEASE, BATCH, ids)
                await uow.commit()
            if not events:
                continue
            if self.broker is None:
                for event in events:
                    await self._run(event)
            else:
                await self._publish(shard, events)
            handed += len(events)
        return handed

    async def drain(self, rounds: int = 1000) -> int:
        """Hand on everything available now (tests and `chirp jobs drain`)."""
        total = 0
        for _ in range(rounds):
            handed = await self.pump()
            if not handed:
                break
            total += handed
        return total

    async def _publish(self, shard: PhysicalShard, events: list[OutboxEvent]) -> None:
        """Publish, then delete what the broker confirmed. On a failure the rest are released
        at once (not left leased for a minute), so the backlog drains as soon as the broker is
        back; the failure propagates so the caller backs off."""
        assert self.broker is not None
        published: list[int] = []
        try:
            for event in events:
                await self.broker.publish(_job(event))
                published.append(event.id)
        finally:
            async with self.rt.uow(write=True) as uow:
                repo = OutboxRepository(uow)
                if published:
                    await repo.done_many(shard, published)
                unsent = [e.id for e in events if e.id not in set(published)]
                if unsent:
                    await repo.release(shard, unsent, self.rt.clock.now())
                await uow.commit()

    async def _run(self, event: OutboxEvent) -> None:
        try:
            await self.handlers.execute(event.kind, event.payload)
        except Exception as exc:
            await self._failed(_job(event), event.attempts, exc)
            return
        self.rt.metrics.jobs.labels(event.kind, "ok").inc()
        async with self.rt.uow(write=True) as uow:
            await OutboxRepository(uow).done(event.id)
            await uow.commit()

    async def _failed(self, job: dict[str, Any], attempts: int, exc: Exception) -> None:
        """A try failed: try again later with backoff, or dead-letter after the last try."""
        settings = self.rt.settings
        log.warning(
            "job_failed", job_id=job["id"], kind=job["kind"], attempts=attempts, error=repr(exc)
        )
        if attempts >= settings.job_max_attempts:
            await self._bury(job, attempts, exc)
            return
        self.rt.metrics.jobs.labels(job["kind"], "retry").inc()
        if self.broker is not None:
            await self.broker.publish(job, attempt=attempts)
            return
        delay = timedelta(seconds=settings.job_retry_seconds * 2 ** (attempts - 1))
        async with self.rt.uow(write=True) as uow:
            await OutboxRepository(uow).retry_at(job["id"], self.rt.clock.now() + delay)
            await uow.commit()

    async def _bury(self, job: dict[str, Any], attempts: int, exc: Exception) -> None:
        now = self.rt.clock.now()
        async with self.rt.uow(write=True) as uow:
            DeadJobRepository(uow).add(
                DeadJob(
                    id=job["id"],
                    kind=job["kind"],
                    payload=job["payload"],
                    attempts=attempts,
                    error="".join(traceback.format_exception_only(exc)).strip()[:2000],
                    created_at=time_of(job["id"]),
                    failed_at=now,
                )
            )
            if self.broker is None:
                await OutboxRepository(uow).done(job["id"])
            await uow.commit_unless_duplicate()  # a redelivered twin buried it already
        self.rt.metrics.jobs.labels(job["kind"], "dead").inc()
        log.error("job_dead_lettered", job_id=job["id"], kind=job["kind"], attempts=attempts)

    # -- the broker side (chirp worker) --------------------------------------------------------

    async def _on_message(
        self, job: dict[str, Any], attempt: int, message: AbstractIncomingMessage
    ) -> None:
        try:
            await self.handlers.execute(job["kind"], job["payload"])
        except Exception as exc:
            try:
                await self._failed(job, attempt + 1, exc)
            except Exception:
                # Neither retried nor buried (the database or broker is away): put it back.
                log.exception("job_failure_not_recorded", job_id=job.get("id"))
                await asyncio.sleep(1)
                await message.nack(requeue=True)
                return
            await message.ack()
            return
        self.rt.metrics.jobs.labels(job["kind"], "ok").inc()
        await message.ack()

    # -- operators -----------------------------------------------------------------------------

    async def replay(self, job_id: int, *, hand_on: bool = True) -> bool:
        """Put a dead-lettered job back in the outbox, with its tries reset, and hand it on
        at once unless ``hand_on`` is false (then a running server's relay picks it up)."""
        now = self.rt.clock.now()
        async with self.rt.uow(write=True) as uow:
            dead = DeadJobRepository(uow)
            job = await dead.get(job_id)
            if job is None:
                return False
            OutboxRepository(uow).add(
                OutboxEvent(
                    id=job.id,
                    kind=job.kind,
                    payload=job.payload,
                    available_at=now,
                    attempts=0,
                    created_at=job.created_at,
                )
            )
            await dead.remove(job)
            await uow.commit()
        if hand_on:
            await self.committed([job_id])
        return True

    async def depths(self) -> dict[str, int]:
        """Events waiting in the outbox, dead jobs, and (with a broker) its queue's depth."""
        found = await self._stored_depths()
        if self.broker is not None:
            found["broker"] = await self.broker.depth()
        return found

    async def _stored_depths(self) -> dict[str, int]:
        async with self.rt.uow() as uow:
            return {
                "outbox": await OutboxRepository(uow).waiting(),
                "dead": await DeadJobRepository(uow).count(),
            }

    async def _measure(self) -> None:
        moment = asyncio.get_running_loop().time()
        if moment - self._measured < MEASURE_SECONDS:
            return
        self._measured = moment
        stored = await self._stored_depths()
        self.rt.metrics.queue_depth.labels("outbox").set(stored["outbox"])
        self.rt.metrics.dead_letters.set(stored["dead"])
        if self.broker is not None:
            with contextlib.suppress(Exception):  # the gauges above still count
                self.rt.metrics.queue_depth.labels("broker").set(await self.broker.depth())


def _job(event: OutboxEvent) -> dict[str, Any]:
    return {"id": event.id, "kind": event.kind, "payload": event.payload}
