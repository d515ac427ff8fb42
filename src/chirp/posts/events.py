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
    visibility: str
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    tags: tuple[str, ...]  # normalized names
    has_media: bool


@dataclass(frozen=True, slots=True)
class StatusEdited:
    status_id: int
    editor_id: int
    mentioned: tuple[int, ...]  # its tags may have changed too


@dataclass(frozen=True, slots=True)
class StatusRemoved:
    """A status (or a reblog) and its reblogs were deleted, in the emitting unit of work."""

    status_id: int
    author_id: int
    reblog_of_id: int | None
    reblog_of_account_id: int | None
    reblogs: tuple[tuple[int, int], ...]  # its own reblogs, deleted with it: (id, reblogger)
    visibility: str
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    tags: tuple[str, ...]

    @property
    def reblog_ids(self) -> tuple[int, ...]:
        return tuple(reblog_id for reblog_id, _ in self.reblogs)


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
    reblog_id: int
    visibility: str  # the reblog's


@dataclass(frozen=True, slots=True)
class StatusMarked:
    """A bookmark or a pin was added or removed (favourites and reblogs have their own)."""

    status_id: int
    account_id: int
