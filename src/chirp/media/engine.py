"""The long-lived media machinery of one process: the storage backend, the staging directory
uploads are streamed into, and the process pool that does the image work.

The pool uses ``spawn`` (forking a process that runs an event loop and threads is unsafe) and
starts on first use, so processes that never see an upload never pay for it. Work handed over
to the background (an upload answered 202) is kept referenced here until it finishes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import shutil
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from chirp.config import Settings
from chirp.db.uow import UnitOfWork
from chirp.media import processing
from chirp.media.processing import Limits, Processed
from chirp.media.storage import LocalStorage, Storage

FilesInUse = Callable[[UnitOfWork, set[str]], Awaitable[set[str]]]


class MediaEngine:
    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage
        # Under the data directory, next to (never inside) what nginx serves, and on the same
        # file system, so a finished file is renamed into place atomically.
        self.staging = settings.data_dir / "media-staging"
        self.staging.mkdir(parents=True, exist_ok=True)
        self._pool: ProcessPoolExecutor | None = None
        self._background: set[asyncio.Task[Any]] = set()
        # Other contexts that keep stored files (accounts' avatars and headers): each answers
        # which of some keys it still uses, so cleanup never deletes them.
        self.file_users: list[FilesInUse] = []

    @classmethod
    def build(cls, settings: Settings) -> MediaEngine:
        return cls(settings, build_storage(settings))

    def limits(self, crop: tuple[int, int] | None = None) -> Limits:
        s = self.settings
        return Limits(s.media_max_pixels, s.media_resize_pixels, s.media_preview_pixels, crop)

    def process(self, source: Path, limits: Limits) -> asyncio.Future[Processed]:
        """Start processing ``source`` in the pool; a future of its result."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.settings.media_workers,
                mp_context=multiprocessing.get_context("spawn"),
                max_tasks_per_child=500,  # bounds what a leak in an image codec can grow to
            )
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(
            self._pool, processing.process, str(source), str(self.staging), limits
        )

    async def store(self, processed: Processed) -> None:
        for rendition in (processed.original, processed.preview):
            await self.storage.put(rendition.key, rendition.path, rendition.content_type)

    def in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        if self._pool is not None:
            await asyncio.to_thread(self._pool.shutdown, wait=True, cancel_futures=True)
            self._pool = None


def discard(*paths: str | Path) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def clear_staging(staging: Path, older_than: float) -> int:
    """Remove staged files older than ``older_than`` seconds (left by a crash); how many."""
    import time

    removed = 0
    for entry in staging.iterdir():
        if time.time() - entry.stat().st_mtime > older_than:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
    return removed


def build_storage(settings: Settings) -> Storage:
    if settings.media_storage == "s3":
        from chirp.media.s3 import S3Storage  # boto3 is only needed for this backend

        return S3Storage(settings)
    return LocalStorage(settings.data_dir / "media")
