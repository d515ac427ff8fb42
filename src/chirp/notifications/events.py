"""What the notifications context says happened, for the contexts above it (streaming)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NotificationsCreated:
    notifications: tuple[tuple[int, int], ...]  # (recipient id, notification id)
