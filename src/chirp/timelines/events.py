"""What the timeline engine says happened, for the contexts above it (the hot read path)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuthorPulled:
    """Under ``hybrid``, an author crossed the follower threshold: its posts are pulled at
    read time from now on, not pushed into feeds."""

    account_id: int
