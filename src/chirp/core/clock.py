"""The one place that reads the wall clock, so tests can move time (an edge, faked in tests)."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)
