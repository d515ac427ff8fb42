"""Where processed files live, behind one interface with two backends (a ``Protocol`` plus a
registry keyed by the ``CHIRP_MEDIA_STORAGE`` name).

Keys are content addresses (``ab/cd/<sha256>.<ext>``): the same bytes always have the same
key, so storing a file twice stores it once, and a key's content never changes, which is what
lets every URL be cached forever. ``put`` of a key that exists refreshes its modification time:
the orphan sweep (``chirp.media.cleanup``) leaves recently stored files alone.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Protocol


class Storage(Protocol):
    async def put(self, key: str, source: str, content_type: str) -> None:
        """Store the file at ``source`` (it is consumed) under ``key``."""

    async def age(self, key: str) -> float | None:
        """Seconds since ``key`` was last stored, or None when it is not there."""

    async def delete(self, key: str) -> None: ...

    def local_path(self, key: str) -> Path | None:
        """The file behind ``key`` when it is on this machine's disk (then the app serves it)."""

    def public_url(self, key: str) -> str | None:
        """Where the file is readable when it is not served by the app."""


class LocalStorage:
    """Files under ``<data dir>/media``; nginx (deploy/nginx.conf) can serve them directly."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def local_path(self, key: str) -> Path:
        return self.root / key

    def public_url(self, key: str) -> str | None:
        return None

    async def put(self, key: str, source: str, content_type: str) -> None:
        await asyncio.to_thread(self._put, key, source)

    def _put(self, key: str, source: str) -> None:
        target = self.local_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            os.utime(target)
            os.unlink(source)
        else:
            # Same file system (both under the data directory): an atomic rename, so a reader
            # never sees half a file.
            os.replace(source, target)

    async def age(self, key: str) -> float | None:
        try:
            stat = await asyncio.to_thread(self.local_path(key).stat)
        except FileNotFoundError:
            return None
        return time.time() - stat.st_mtime

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.local_path(key).unlink, missing_ok=True)
