"""What happens to follows, for the contexts above the graph that react (notifications, say).
Emitted through ``rt.events`` (``chirp.db.events``); subscribed in ``chirp.subscriptions``.

What changes a home timeline goes through the outbox instead (``FOLLOWS_CHANGED``): the feed
it drops must be dropped even if the process dies right after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass

# The outbox kind recorded when an account starts or stops following an account or a tag
# (or blocks, or mutes): what its home timeline holds changes. Payload: ``account_ids``.
FOLLOWS_CHANGED = "follows.changed"


@dataclass(frozen=True, slots=True)
class FollowRequested:
    """A follow, or a request to follow a locked account, was made."""

    account_id: int
    target_id: int
    pending: bool  # a request, awaiting the target's answer


@dataclass(frozen=True, slots=True)
class FollowEnded:
    """A follow or follow request from ``account_id`` to ``target_id`` is gone (or never was)."""

    account_id: int
    target_id: int


@dataclass(frozen=True, slots=True)
class FollowRequestAnswered:
    """``target_id`` authorized or rejected ``account_id``'s follow request."""

    account_id: int
    target_id: int
