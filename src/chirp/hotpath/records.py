"""A status as the hot read path keeps it: the facts its filters ask about, and its entity
pre-encoded in pieces, so a page is stitched from bytes instead of built as dicts and encoded.

The pieces come from the entity the database path renders (``chirp.posts.views``), cut where
the parts that change without the status changing go: its author's account, the live
counters and the viewer's marks. Concatenated back, they are byte for byte what encoding the
whole entity gives (orjson writes a dict as ``{`` + its items joined by ``,`` + ``}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

Entity = dict[str, Any]

# The keys after an original's static part, in the order the database path renders them.
COUNTERS = ("reblogs_count", "favourites_count", "replies_count")
MARKS = ("favourited", "reblogged", "bookmarked", "muted", "pinned")
# What an anonymous reader does not get (chirp.posts.views drops the same).
VIEWER_ONLY = frozenset((*MARKS, "filtered"))
TRUE, FALSE = b"true", b"false"


class StatusRecord(NamedTuple):
    """A tuple of plain values, so the garbage collector stops tracking it once it has
    seen it: a process holds tens of thousands, and every object the collector tracks
    lengthens each of its full passes (pauses the whole process)."""

    id: int
    account_id: int
    reblog_of_id: int | None
    reblog_of_account_id: int | None
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    visibility: str
    mentioned: tuple[int, ...]
    tags: tuple[str, ...]  # normalized names
    has_media: bool
    # '{"id":...,"account":' ; then the author's account entity goes in.
    head: bytes
    # An original: ',"media_attachments":...' up to its counters. A reblog: the same up to
    # and with '"reblog":', where the original goes in.
    middle: bytes
    middle_anonymous: bytes  # the same for a reader without a token (no "filtered")
    # A reblog's keys after its original, up to its marks (empty for an original).
    after: bytes


def record_entry(record: StatusRecord) -> list[Any]:
    """The record as JSON values (what a change entry carries)."""
    return [v.decode() if isinstance(v, bytes) else v for v in record]


def record_from_entry(f: list[Any]) -> StatusRecord:
    return StatusRecord(
        f[0], f[1], f[2], f[3], f[4], f[5], f[6], tuple(f[7]), tuple(f[8]), f[9],
        f[10].encode(), f[11].encode(), f[12].encode(), f[13].encode(),
    )  # fmt: skip


def _items(entity: Entity, keys: list[str]) -> bytes:
    """``"k":v,...`` for these keys of ``entity``, as orjson writes them inside a dict."""
    if not keys:
        return b""
    return orjson.dumps({k: entity[k] for k in keys})[1:-1]


def _id(value: Any) -> int | None:
    return None if value is None else int(value)


def record_of(entity: Entity) -> StatusRecord:
    """The record of a rendered status entity (an original, or a reblog with its original in
    ``reblog``), as the database path rendered it for a signed-in viewer."""
    keys = list(entity)
    at_account = keys.index("account")
    reblog = entity.get("reblog")
    head = b"{" + _items(entity, keys[:at_account]) + b',"account":'
    if reblog is None:
        end = keys.index(COUNTERS[0])
        after = b""
    else:
        end = keys.index("reblog") + 1
        after = b"," + _items(entity, keys[end : keys.index(MARKS[0])])
    body = keys[at_account + 1 : end]
    anonymous = [k for k in body if k not in VIEWER_ONLY]
    if reblog is None:
        middle, middle_anonymous = b"," + _items(entity, body), b"," + _items(entity, anonymous)
    else:  # '"reblog":' opens what the original fills: cut its value (null) off
        middle = b"," + _items({**entity, "reblog": None}, body)[: -len(b"null")]
        middle_anonymous = b"," + _items({**entity, "reblog": None}, anonymous)[: -len(b"null")]
    source = reblog or entity
    return StatusRecord(
        id=int(entity["id"]),
        account_id=int(entity["account"]["id"]),
        reblog_of_id=_id(reblog["id"]) if reblog else None,
        reblog_of_account_id=_id(reblog["account"]["id"]) if reblog else None,
        in_reply_to_id=_id(entity["in_reply_to_id"]),
        in_reply_to_account_id=_id(entity["in_reply_to_account_id"]),
        visibility=entity["visibility"],
        mentioned=tuple(int(m["id"]) for m in source["mentions"]) if reblog is None else (),
        tags=tuple(t["url"].rsplit("/", 1)[1] for t in entity["tags"]),
        has_media=bool(entity["media_attachments"]),
        head=head,
        middle=middle,
        middle_anonymous=middle_anonymous,
        after=after,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Marks:
    """The viewer's marks on statuses (ids of originals)."""

    favourited: frozenset[int]
    reblogged: frozenset[int]
    bookmarked: frozenset[int]
    pinned: frozenset[int]


Counts = tuple[int, int, int]  # reblogs, favourites, replies


# What a page stitched before, by status: (record, account, counts, prefix for a viewer,
# prefix for nobody). Valid while the three it was made of are the ones held now.
Prefixes = dict[int, tuple["StatusRecord", bytes, Counts, bytes, bytes]]


def stitch(
    record: StatusRecord,
    accounts: dict[int, bytes],
    counts: dict[int, Counts],
    marks: Marks | None,
    original: StatusRecord | None = None,
    prefixes: Prefixes | None = None,
) -> bytes:
    """The entity of ``record`` (with ``original`` when it is a reblog) for a viewer whose
    marks are ``marks`` (None: a reader without a token). ``prefixes`` keeps what comes
    before the marks, which is the same for every viewer."""
    if original is not None:
        inner = stitch(original, accounts, counts, marks, prefixes=prefixes)
        middle = record.middle if marks is not None else record.middle_anonymous
        out = record.head + accounts[record.account_id] + middle + inner + record.after
        if marks is None:
            return out + b"}"
        return out + _marks(original.id, marks, pinned=False) + b"}"
    account, counted = accounts[record.account_id], counts[record.id]
    held = prefixes.get(record.id) if prefixes is not None else None
    if held is None or held[0] is not record or held[1] is not account or held[2] != counted:
        reblogs, favourites, replies = counted
        tail = b"".join(
            (
                b',"reblogs_count":',
                str(reblogs).encode(),
                b',"favourites_count":',
                str(favourites).encode(),
                b',"replies_count":',
                str(replies).encode(),
            )
        )
        held = (
            record,
            account,
            counted,
            record.head + account + record.middle + tail,
            record.head + account + record.middle_anonymous + tail,
        )
        if prefixes is not None:
            prefixes[record.id] = held
    if marks is None:
        return held[4] + b"}"
    return held[3] + _marks(record.id, marks, pinned=True) + b"}"


def _marks(status_id: int, marks: Marks, *, pinned: bool) -> bytes:
    """``,"favourited":..,"pinned":..}`` less the brace; a reblog wrapper shows its
    original's first three and is never muted or pinned."""
    return _MARKS[
        (status_id in marks.favourited) << 3
        | (status_id in marks.reblogged) << 2
        | (status_id in marks.bookmarked) << 1
        | (pinned and status_id in marks.pinned)
    ]


def _marks_bytes(favourited: bool, reblogged: bool, bookmarked: bool, pinned: bool) -> bytes:
    def flag(on: bool) -> bytes:
        return TRUE if on else FALSE

    return b"".join(
        (
            b',"favourited":',
            flag(favourited),
            b',"reblogged":',
            flag(reblogged),
            b',"bookmarked":',
            flag(bookmarked),
            b',"muted":false,"pinned":',
            flag(pinned),
        )
    )


_MARKS = [_marks_bytes(bool(n & 8), bool(n & 4), bool(n & 2), bool(n & 1)) for n in range(16)]
