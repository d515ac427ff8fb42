"""Poison events: tried CHIRP_JOB_MAX_ATTEMPTS times with backoff, then dead-lettered, listed by
`chirp jobs dead` and put back by `chirp jobs replay`; in process and through RabbitMQ."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chirp.config import Settings
from chirp.jobs.handlers import Handler
from chirp.jobs.models import DeadJob, OutboxEvent
from chirp.jobs.outbox import record
from chirp.jobs.repository import DeadJobRepository
from chirp.runtime import Runtime
from tests.conftest import FakeClock
from tests.engine.conftest import (
    BROKER,
    Runtimes,
    Workers,
    chirp,
    configured,
    eventually,
    outbox_and_dead,
    started,
)

ATTEMPTS = 3
NOT_A_NUMBER = {"status_id": "not-a-number"}


async def send(rt: Runtime, kind: str, **payload: Any) -> None:
    """Record an event as a use case does: in a transaction, handed on after the commit."""
    async with rt.uow(write=True) as uow:
        record(rt, uow, kind, rt.ids.next_id(7), **payload)
        await uow.commit()


async def waiting_events(rt: Runtime) -> list[OutboxEvent]:
    async with rt.uow() as uow:
        return list(await uow.everywhere(select(OutboxEvent)))


async def dead_jobs(rt: Runtime) -> list[DeadJob]:
    async with rt.uow() as uow:
        return await DeadJobRepository(uow).newest(10)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def flaky() -> tuple[list[dict[str, Any]], Handler]:
    """A job kind's handler that fails its first ATTEMPTS runs, then works; the calls it got."""
    calls: list[dict[str, Any]] = []

    async def handler(payload: dict[str, Any]) -> None:
        calls.append(payload)
        if len(calls) <= ATTEMPTS:
            raise RuntimeError(f"failure {len(calls)}")

    return calls, handler


async def fail_every_try(rt: Runtime, clock: FakeClock, first_delay: float) -> None:
    """Drive the in-process runner past each backoff (first_delay, doubling) to the last try."""
    for attempt in range(1, ATTEMPTS):
        delay = first_delay * 2 ** (attempt - 1)
        [event] = await waiting_events(rt)
        assert event.attempts == attempt
        clock.advance(seconds=delay - 0.1)
        assert await rt.jobs.pump() == 0, f"tried again before its {delay} s backoff"
        clock.advance(seconds=0.2)
        assert await rt.jobs.pump() == 1


@pytest.mark.parametrize(
    ("kind", "payload", "error"),
    [
        ("status.created", NOT_A_NUMBER, "ValueError"),
        ("status.liked.v9", {}, "UnknownJob"),  # a kind a newer release might write
    ],
)
async def test_a_poison_event_is_dead_lettered_after_its_tries_with_backoff(
    module_settings: Settings,
    runtimes: Runtimes,
    fake_clock: FakeClock,
    kind: str,
    payload: dict[str, Any],
    error: str,
) -> None:
    rt = await runtimes(configured(module_settings, job_max_attempts=ATTEMPTS))
    rt.clock = fake_clock
    await send(rt, kind, **payload)  # the first try runs right after the commit
    await fail_every_try(rt, fake_clock, rt.settings.job_retry_seconds)

    assert await outbox_and_dead(rt) == (0, 1)
    [dead] = await dead_jobs(rt)
    assert (dead.kind, dead.payload, dead.attempts) == (kind, payload, ATTEMPTS)
    assert error in dead.error
    assert dead.failed_at == fake_clock.now()


async def test_jobs_dead_lists_a_dead_job_and_jobs_replay_puts_it_back_in_the_outbox(
    module_settings: Settings, runtimes: Runtimes, fake_clock: FakeClock
) -> None:
    settings = configured(module_settings, job_max_attempts=ATTEMPTS, job_retry_seconds=10)
    rt = await runtimes(settings)
    rt.clock = fake_clock
    await send(rt, "status.created", **NOT_A_NUMBER)
    await fail_every_try(rt, fake_clock, 10)
    [dead] = await dead_jobs(rt)

    listed = chirp(settings, "jobs", "dead")
    assert listed.returncode == 0, listed.stderr
    [line] = [line for line in listed.stdout.splitlines() if str(dead.id) in line]
    for shown in ("status.created", str(ATTEMPTS), "ValueError", "not-a-number"):
        assert shown in line

    replayed = chirp(settings, "jobs", "replay", str(dead.id))
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed 1 job(s)" in replayed.stdout
    # Back in the outbox with its tries reset. With Redis the command ran it once (it failed
    # again) and left it to the runner's backoff, counted from the command's (real) clock;
    # without Redis it leaves the job to the server's relay untried (the server's feeds and
    # streams live in the server's memory).
    ran = settings.redis_url is not None
    assert await dead_jobs(rt) == []
    [event] = await waiting_events(rt)
    assert (event.id, event.kind, event.payload, event.attempts) == (
        dead.id,
        "status.created",
        NOT_A_NUMBER,
        1 if ran else 0,
    )
    if not ran:
        fake_clock.moment = event.available_at
        assert await rt.jobs.pump() == 1  # the server's relay takes it up (and it fails)
        [event] = await waiting_events(rt)
    fake_clock.moment = event.available_at - timedelta(seconds=10)
    await fail_every_try(rt, fake_clock, 10)
    [again] = await dead_jobs(rt)
    assert (again.id, again.attempts) == (dead.id, ATTEMPTS)

    every = chirp(settings, "jobs", "replay", "--all")
    assert every.returncode == 0, every.stderr
    assert "replayed 1 job(s)" in every.stdout
    assert await dead_jobs(rt) == []
    assert [event.id for event in await waiting_events(rt)] == [dead.id]

    unknown = chirp(settings, "jobs", "replay", "123")
    assert unknown.returncode == 1
    assert "no dead job with id 123" in unknown.stderr


async def test_a_replayed_job_gets_fresh_tries_and_runs_once_it_can(
    module_settings: Settings,
    runtimes: Runtimes,
    fake_clock: FakeClock,
    flaky: tuple[list[dict[str, Any]], Handler],
) -> None:
    rt = await runtimes(configured(module_settings, job_max_attempts=ATTEMPTS))
    rt.clock = fake_clock
    calls, handler = flaky
    rt.jobs.handlers.register("test.flaky", handler)
    await send(rt, "test.flaky", n=1)
    await fail_every_try(rt, fake_clock, rt.settings.job_retry_seconds)
    [dead] = await dead_jobs(rt)
    assert len(calls) == ATTEMPTS

    assert await rt.jobs.replay(dead.id)
    assert len(calls) == ATTEMPTS + 1
    assert calls[-1] == {"n": 1}
    assert await outbox_and_dead(rt) == (0, 0)
    assert not await rt.jobs.replay(dead.id)  # gone for good once it ran


async def test_a_poison_job_goes_through_rabbitmqs_delay_queues_to_the_dead_letters_and_back(
    rabbitmq: None, module_settings: Settings, runtimes: Runtimes, workers: Workers
) -> None:
    settings = configured(
        module_settings, broker_url=BROKER, job_max_attempts=ATTEMPTS, job_retry_seconds=0.2
    )
    rt = await runtimes(settings)
    worker = workers.start(settings)

    await started(rt, workers, worker)
    await send(rt, "status.created", **NOT_A_NUMBER)

    async def buried() -> bool:
        return len(await dead_jobs(rt)) == 1

    await eventually(buried, 20, "the dead-lettering", interval=0.1)
    [dead] = await dead_jobs(rt)
    assert (dead.kind, dead.payload, dead.attempts) == ("status.created", NOT_A_NUMBER, ATTEMPTS)
    # Two retries went through the delay queues: 0.2 s, then 0.4 s.
    assert dead.failed_at - dead.created_at >= timedelta(seconds=0.6)
    assert await outbox_and_dead(rt) == (0, 1)
    assert rt.jobs.broker is not None
    assert await rt.jobs.broker.depth() == 0

    listed = chirp(settings, "jobs", "dead")
    assert listed.returncode == 0, listed.stderr
    assert str(dead.id) in listed.stdout

    replayed = chirp(settings, "jobs", "replay", str(dead.id))
    assert replayed.returncode == 0, replayed.stderr

    async def buried_again() -> bool:
        found = await dead_jobs(rt)
        return len(found) == 1 and found[0].failed_at > dead.failed_at

    await eventually(buried_again, 20, "the replayed job's second dead-lettering", interval=0.1)
    [again] = await dead_jobs(rt)
    assert (again.id, again.attempts) == (dead.id, ATTEMPTS)
    assert await outbox_and_dead(rt) == (0, 1)
