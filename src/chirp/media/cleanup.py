"""Removing what nobody uses: uploads never attached to a status within
``CHIRP_MEDIA_UNATTACHED_HOURS`` (24 by default), stored files no row refers to any more, and
staged files a crash left behind. Run hourly by every server process (the work is idempotent)
and by ``chirp media cleanup``.

A file is deleted only when no attachment, avatar or header uses it and it was not stored in
the last hour: the same bytes uploaded again meanwhile refresh its age (``Storage.put``), so
an upload between storing its file and committing its row keeps the file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import timedelta

import structlog

from chirp.media.engine import clear_staging
from chirp.media.platform import MediaPlatform
from chirp.media.repository import MediaRepository

log = structlog.get_logger(__name__)
GRACE_SECONDS = 3600.0
INTERVAL_SECONDS = 3600.0
BATCH = 500


async def remove_unattached(rt: MediaPlatform, grace: float = GRACE_SECONDS) -> int:
    """Delete unattached uploads past their time and files nothing uses; how many uploads."""
    cutoff = rt.clock.now() - timedelta(hours=rt.settings.media_unattached_hours)
    removed = 0
    while True:
        async with rt.uow(write=True) as uow:
            repo = MediaRepository(uow)
            rows = await repo.unattached_before(cutoff, BATCH)
            for media in rows:
                await repo.remove(media)
            await uow.commit()
        await release(rt, [k for m in rows for k in (m.file_key, m.preview_key) if k], grace)
        removed += len(rows)
        if len(rows) < BATCH:
            break
    await asyncio.to_thread(clear_staging, rt.media.staging, grace)
    if removed:
        log.info("media_cleaned_up", removed=removed)
    return removed


async def release(rt: MediaPlatform, keys: Iterable[str], grace: float = GRACE_SECONDS) -> None:
    """Delete the stored files among ``keys`` that nothing uses any more."""
    wanted = set(keys)
    if not wanted:
        return
    async with rt.uow() as uow:
        used = await MediaRepository(uow).keys_in_use(wanted)
        for users in rt.media.file_users:  # avatars and headers, say (chirp.subscriptions)
            used |= await users(uow, wanted - used)
    storage = rt.media.storage
    for key in wanted - used:
        age = await storage.age(key)
        if age is not None and age > grace:
            await storage.delete(key)


async def periodically(rt: MediaPlatform, interval: float = INTERVAL_SECONDS) -> None:
    while True:
        try:
            await remove_unattached(rt)
        except Exception:  # a failed round must not end the loop; the next one retries
            log.exception("media_cleanup_failed")
        await asyncio.sleep(interval)
