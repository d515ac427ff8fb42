"""What contexts that record durable events need from the process: the platform and its job
runner (``chirp.jobs.outbox.record`` hands committed events to it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from chirp.db.platform import Platform

if TYPE_CHECKING:
    from chirp.jobs.runner import Jobs


class JobsPlatform(Platform, Protocol):
    @property
    def jobs(self) -> Jobs: ...
