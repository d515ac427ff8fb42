"""What happens to statuses, for the contexts above posts that react (notifications, say).
Emitted through ``rt.events`` (``chirp.db.events``); subscribed in ``chirp.subscriptions``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StatusPosted:
    status_id: int
    author_id: int
    mentioned: tuple[int, ...]  # accounts mentioned, the author left out
    # Not a reply to someone else, and not direct: followers who asked to be told may be.
    to_followers: bool


@dataclass(frozen=True, slots=True)
class StatusEdited:
    status_id: int
    editor_id: int
    mentioned: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StatusRemoved:
    """A status (or a reblog) and its reblogs were deleted, in the emitting unit of work."""

    status_id: int
    author_id: int
    reblog_of_id: int | None
    reblog_of_account_id: int | None
    reblog_ids: tuple[int, ...]  # its own reblogs, deleted with it


@dataclass(frozen=True, slots=True)
class StatusFavourited:
    status_id: int
    author_id: int
    account_id: int  # who favourited it


@dataclass(frozen=True, slots=True)
class StatusUnfavourited:
    status_id: int
    author_id: int
    account_id: int


@dataclass(frozen=True, slots=True)
class StatusReblogged:
    status_id: int  # the original
    author_id: int
    account_id: int  # who reblogged it
