"""What `chirp jobs` does, over a runtime of its own."""

from __future__ import annotations

from chirp.config import Settings
from chirp.core.ids import parse_id
from chirp.core.text import iso
from chirp.jobs.repository import DeadJobRepository
from chirp.runtime import Runtime


async def dead(settings: Settings, limit: int) -> list[tuple[str, ...]]:
    rt = Runtime.build(settings)
    try:
        async with rt.uow() as uow:
            jobs = await DeadJobRepository(uow).newest(limit)
        return [
            (str(j.id), j.kind, str(j.attempts), iso(j.failed_at), j.error, str(j.payload))
            for j in jobs
        ]
    finally:
        await rt.close()


async def replay(settings: Settings, raw_ids: list[str], *, every: bool) -> tuple[int, list[str]]:
    rt = Runtime.build(settings)
    try:
        if every:
            async with rt.uow() as uow:
                ids = await DeadJobRepository(uow).ids()
            missing: list[str] = []
        else:
            ids = [i for i in (parse_id(r) for r in raw_ids) if i is not None]
            missing = [r for r in raw_ids if parse_id(r) is None]
        replayed = 0
        # Without Redis the server keeps feeds and streams in its own memory: a job run in
        # this short-lived process would write feeds nobody reads. Leave it to the server's
        # relay, which takes up the outbox within a second (or when it next starts).
        hand_on = rt.redis is not None
        for job_id in ids:
            if await rt.jobs.replay(job_id, hand_on=hand_on):
                replayed += 1
            else:
                missing.append(str(job_id))
        return replayed, missing
    finally:
        await rt.close()


async def status(settings: Settings) -> dict[str, int]:
    rt = Runtime.build(settings)
    try:
        return await rt.jobs.depths()
    finally:
        await rt.close()


async def drain(settings: Settings) -> int:
    rt = Runtime.build(settings)
    try:
        return await rt.jobs.drain()
    finally:
        await rt.close()
