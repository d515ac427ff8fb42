"""What the media context needs from the process: the platform and the media engine."""

from __future__ import annotations

from typing import Protocol

from chirp.db.platform import Platform
from chirp.media.engine import MediaEngine


class MediaPlatform(Platform, Protocol):
    @property
    def media(self) -> MediaEngine:
        """Storage and the image-processing pool."""
        ...
