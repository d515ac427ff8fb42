"""A fan-out's batches are read, delivered and streamed in overlapping stages
(chirp.timelines.tasks.overlapped): every batch delivered once, at most IN_FLIGHT at a time,
the next one read meanwhile, and an error stops the fan-out with nothing left running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from chirp.timelines.tasks import IN_FLIGHT, overlapped


async def _batches(count: int, read: list[int]) -> AsyncIterator[list[int]]:
    for n in range(count):
        read.append(n)
        await asyncio.sleep(0)
        yield [n]


async def test_every_batch_is_delivered_once_with_a_bounded_overlap() -> None:
    read: list[int] = []
    delivering: set[int] = set()
    widest = 0
    delivered: list[int] = []

    async def deliver(batch: list[int]) -> None:
        nonlocal widest
        delivering.add(batch[0])
        widest = max(widest, len(delivering))
        await asyncio.sleep(0.001 * (batch[0] % 3))
        delivering.discard(batch[0])
        delivered.append(batch[0])

    yielded = [b[0] async for b in overlapped(_batches(20, read), deliver)]
    assert sorted(yielded) == list(range(20)) == sorted(delivered)
    assert widest == IN_FLIGHT  # overlapping, and never more than that
    assert read == list(range(20))


async def test_a_failed_delivery_stops_the_fan_out_and_leaves_nothing_running() -> None:
    started: list[int] = []
    finished: list[int] = []
    cancelled: list[int] = []

    async def deliver(batch: list[int]) -> None:
        started.append(batch[0])
        if batch[0] == 3:
            raise RuntimeError("redis went away")
        try:
            await asyncio.sleep(0.01 if batch[0] < 3 else 10)
        except asyncio.CancelledError:
            cancelled.append(batch[0])
            raise
        finished.append(batch[0])

    before = asyncio.all_tasks()  # (the session's loop may run other tests' tasks)
    with pytest.raises(RuntimeError, match="redis went away"):
        async for _ in overlapped(_batches(50, []), deliver):
            pass
    assert max(started) < 3 + IN_FLIGHT  # it stopped reading and delivering
    # Every delivery begun finished, failed or was cancelled: none is left running.
    assert sorted(started) == sorted([*finished, *cancelled, 3])
    assert not asyncio.all_tasks() - before
