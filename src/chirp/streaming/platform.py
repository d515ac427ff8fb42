"""What streaming needs from the process: the timelines and OAuth platforms (a stream checks
its token and the home rules) and the hub that carries events between processes."""

from __future__ import annotations

from typing import Protocol

from chirp.oauth.platform import OAuthPlatform
from chirp.streaming.hub import Hub
from chirp.timelines.platform import TimelinesPlatform


class StreamingPlatform(TimelinesPlatform, OAuthPlatform, Protocol):
    @property
    def hub(self) -> Hub: ...
