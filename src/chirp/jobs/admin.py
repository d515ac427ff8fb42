"""What `chirp jobs` does, over a runtime the command builds for it."""

from __future__ import annotations

from chirp.core.ids import parse_id
from chirp.core.text import iso
from chirp.jobs.platform import JobsPlatform
from chirp.jobs.repository import DeadJobRepository


async def dead(rt: JobsPlatform, limit: int) -> list[tuple[str, ...]]:
    async with rt.uow() as uow:
        jobs = await DeadJobRepository(uow).newest(limit)
    return [
        (str(j.id), j.kind, str(j.attempts), iso(j.failed_at), j.error, str(j.payload))
        for j in jobs
    ]


async def replay(
    rt: JobsPlatform, raw_ids: list[str], *, every: bool, hand_on: bool
) -> tuple[int, list[str]]:
    """Put dead jobs back in the outbox. ``hand_on``: run them from here at once. Without
    Redis the server keeps feeds and streams in its own memory, so a job run in a short-lived
    command would write feeds nobody reads: the command leaves it to the server's relay,
    which takes up the outbox within a second (or when it next starts)."""
    if every:
        async with rt.uow() as uow:
            ids = await DeadJobRepository(uow).ids()
        missing: list[str] = []
    else:
        ids = [i for i in (parse_id(r) for r in raw_ids) if i is not None]
        missing = [r for r in raw_ids if parse_id(r) is None]
    replayed = 0
    for job_id in ids:
        if await rt.jobs.replay(job_id, hand_on=hand_on):
            replayed += 1
        else:
            missing.append(str(job_id))
    return replayed, missing
