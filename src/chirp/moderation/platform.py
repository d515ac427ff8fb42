"""What moderation needs from the process: the timelines platform (reported statuses are
rendered, and the accounts' standing is held there) and the OAuth platform (a deleted
account's tokens are dropped from every process's cache)."""

from __future__ import annotations

from typing import Protocol

from chirp.oauth.platform import OAuthPlatform
from chirp.timelines.platform import TimelinesPlatform


class ModerationPlatform(TimelinesPlatform, OAuthPlatform, Protocol):
    pass
