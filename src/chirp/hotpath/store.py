"""What one process holds for the hot read path, and how changes reach it.

Everything here is a copy of something the database (or Redis) has, kept in process memory
so that a page read again and again costs no round trip for it. A copy is filled on first
use and dropped (never patched) when a change entry says it went stale; the entries come from
this process's own writes at once and from other processes' through the change log
(``chirp.hotpath.changes``). A fill that raced a drop must not store what it read before the
change, so every kind of copy has an epoch that each drop of that kind raises: a fill notes
it before reading and stores only if it is unchanged (``Guard``).

A post's entry also carries what its writer rendered after the commit, so that no process
reads a brand-new status back from the database, nor its author's account (whose counters
the post just changed), nor its zero counters. Those copies are stored only when nothing
can have changed them since they were rendered (``_posted``).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chirp.core.ids import time_of
from chirp.core.lru import AgingMap
from chirp.graph.relations import Relations
from chirp.hotpath.candidates import Candidates
from chirp.hotpath.flights import Flights
from chirp.hotpath.records import Counts, Marks, Prefixes, StatusRecord, record_from_entry

Entry = list[Any]

# Kinds of copies; each has its own epoch.
STATUSES, ACCOUNTS, COUNTS, MARKS, RELATIONS, LISTS, REBLOGS, PULLED = range(8)
# A "posted" entry: [kind, *facts] (FACTS_ENTRY values), then optionally what the writer
# rendered: the record, its author's account (JSON text), the mark of the last drop of that
# account the writer had applied before rendering it, and when it rendered (its clock, epoch
# seconds). See ``HotStore._rendered``.
FACTS_ENTRY = 9
RECORD_AT, ACCOUNT_AT, AFTER_AT, RENDERED_AT = 9, 10, 11, 12
# What the writer rendered is trusted by a process only if that process has followed the
# changes since well before (a margin for clocks of different hosts).
FOLLOWED_MARGIN_S = 10.0


@dataclass(frozen=True, slots=True)
class Facts:
    """A status as a change entry carries it (what list membership turns on)."""

    id: int
    account_id: int
    reblog_of_id: int | None
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    visibility: str
    tags: tuple[str, ...]
    has_media: bool

    def entry(self, kind: str) -> Entry:
        """``[kind, *facts]`` (FACTS_ENTRY values); a "posted" entry may add the rendering."""
        return [
            kind,
            self.id,
            self.account_id,
            self.reblog_of_id,
            self.in_reply_to_id,
            self.in_reply_to_account_id,
            self.visibility,
            list(self.tags),
            self.has_media,
        ]

    @classmethod
    def of_entry(cls, entry: Entry) -> Facts:
        return cls(
            entry[1], entry[2], entry[3], entry[4], entry[5], entry[6], tuple(entry[7]), entry[8]
        )

    @property
    def public_original(self) -> bool:
        """What the public timeline lists: public, not a reblog, not a reply to others."""
        return (
            self.visibility == "public"
            and self.reblog_of_id is None
            and (self.in_reply_to_id is None or self.in_reply_to_account_id == self.account_id)
        )


@dataclass(frozen=True, slots=True)
class Viewer:
    """A viewer's relations as the hot pages ask about them, derived once per load."""

    relations: Relations
    until: float  # when the first timed mute runs out (inf: they hold until a change)
    # The viewer and the accounts it follows; and whose reblogs may show in its home.
    present: frozenset[int]
    reblog_shown: frozenset[int]

    @classmethod
    def of(cls, relations: Relations) -> Viewer:
        viewer = relations.viewer_id
        until = relations.until.timestamp() if relations.until else float("inf")
        following = relations.following
        shown = [a for a, f in following.items() if f.show_reblogs and not relations.hides(a)]
        if viewer is None:
            return cls(relations, until, frozenset(), frozenset())
        return cls(relations, until, frozenset((viewer, *following)), frozenset((viewer, *shown)))


class Loading:
    """The fills under way in this process, one set of flights per kind of copy."""

    def __init__(self) -> None:
        self.statuses: Flights[int, StatusRecord] = Flights()
        self.accounts: Flights[int, bytes] = Flights()
        self.counts: Flights[int, Counts] = Flights()
        self.viewers: Flights[int, Viewer] = Flights()
        self.marks: Flights[int, Marks] = Flights()
        self.lists: Flights[Hashable, Candidates] = Flights()
        self.reblogs: Flights[int, list[tuple[int, int]]] = Flights()
        self.pulled: Flights[str, frozenset[int]] = Flights()


DROPS_KEPT = 4096  # keys a kind remembers the last drop of, for the fills under way


class _Drops:
    """When each key of one kind was last dropped (as the kind's epoch), so that a fill
    stores what it read of every key nothing dropped meanwhile. Under a steady write load a
    fill slower than the gap between two changes would otherwise never store anything: with
    five posts a second each dropping its author, every account fill taking over 200 ms was
    thrown away, and requests queued behind fills of the same accounts again and again.
    Bounded: past ``DROPS_KEPT`` keys it forgets them and refuses what every fill under way
    read, as when a whole kind is dropped (``floor``)."""

    __slots__ = ("floor", "last")

    def __init__(self) -> None:
        self.floor = 0  # fills that began before this epoch store nothing
        self.last: dict[Hashable, int] = {}

    def note(self, key: Hashable, epoch: int) -> None:
        if len(self.last) >= DROPS_KEPT:
            self.everything(epoch)
        else:
            self.last[key] = epoch

    def everything(self, epoch: int) -> None:
        self.last.clear()
        self.floor = epoch


class Guard:
    """Taken before a fill reads; says which of what it read may be stored: ``kept(key)``
    for a key nothing dropped since, ``still`` when nothing of the kind was dropped at all
    (for what is filled whole: the pulled authors, a status's reblogs)."""

    __slots__ = ("_drops", "_epochs", "_kind", "_seen")

    def __init__(self, epochs: list[int], drops: list[_Drops], kind: int) -> None:
        self._epochs, self._drops, self._kind, self._seen = epochs, drops, kind, epochs[kind]

    @property
    def still(self) -> bool:
        return self._epochs[self._kind] == self._seen

    def kept(self, key: Hashable) -> bool:
        drops = self._drops[self._kind]
        return self._seen >= drops.floor and drops.last.get(key, self._seen) <= self._seen


class HotStore:
    def __init__(
        self,
        *,
        statuses: int,
        viewers: int,
        lists: int,
        list_size: int,
        ttl: float,
        pages: int = 2_000,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.list_size = list_size
        self.epochs = [0] * 8
        self.drops = [_Drops() for _ in self.epochs]
        self.statuses: AgingMap[int, StatusRecord] = AgingMap(ttl, statuses, clock)
        self.gone: AgingMap[int, bool] = AgingMap(ttl, statuses, clock)  # known deleted
        # Statuses edited or deleted (their change applied here): a "posted" entry that
        # arrives after it (the two writes' after-commit steps raced) must not add the old
        # version to anything.
        self.changed: AgingMap[int, bool] = AgingMap(ttl, statuses, clock)
        self.accounts: AgingMap[int, bytes] = AgingMap(ttl, statuses, clock)
        # By account: the mark of the change entry that last dropped it (its id in the
        # change log), which a post's shipped account is checked against.
        self.account_drops: AgingMap[int, str] = AgingMap(ttl, statuses, clock)
        self.counts: AgingMap[int, Counts] = AgingMap(ttl, statuses, clock)
        # Statuses whose counters changed (since ``began``): their zeros are stale.
        self.counted: AgingMap[int, bool] = AgingMap(ttl, statuses, clock)
        self.marks: AgingMap[int, Marks] = AgingMap(ttl, viewers, clock)
        self.viewers: AgingMap[int, Viewer] = AgingMap(ttl, viewers, clock)
        self.public: Candidates | None = None
        self.tags: AgingMap[str, Candidates] = AgingMap(ttl, lists, clock)
        self.authors: AgingMap[int, Candidates] = AgingMap(ttl, lists, clock)
        # For a reblogged original: its reblogs as (reblog id, reblogger), oldest first.
        self.reblogs: AgingMap[int, list[tuple[int, int]]] = AgingMap(ttl, statuses, clock)
        self.pulled: frozenset[int] | None = None
        self.nobody: Viewer | None = None  # the relations of a request without a token
        # Fills under way, by what they load (chirp.hotpath.flights).
        self.loading = Loading()
        # Pages chosen before (chirp.hotpath.pages): by route, page and viewer, with what
        # they were chosen from, so a page read again is not chosen again while that holds.
        self.selections: AgingMap[Hashable, tuple[Any, ...]] = AgingMap(ttl, viewers, clock)
        # Pages stitched before, by the same keys: (ids, stamp, what it was stitched from,
        # body), served again while nothing it was stitched from was dropped (``untouched``).
        # Fewer than the selections: a page's body is tens of kilobytes.
        self.pages: AgingMap[Hashable, tuple[Any, ...]] = AgingMap(ttl, pages, clock)
        # Stitched prefixes (chirp.hotpath.records.stitch): self-checking, dropped with age.
        self.prefixes: Prefixes = {}
        self._prefixes_size = statuses
        self._clock = clock
        self._wall = wall
        self._ttl = ttl
        self._pulled_at = 0.0
        self.began = wall()  # since when every change entry was applied here
        # While a change is applied: the marks its account drops replaced.
        self._prior: dict[int, str | None] = {}

    def guard(self, kind: int) -> Guard:
        return Guard(self.epochs, self.drops, kind)

    def stamp(self) -> tuple[int, ...]:
        """Where every kind stands now: taken before reading what a page is made of."""
        return tuple(self.epochs)

    def untouched(self, stamp: Sequence[int], used: Sequence[tuple[int, Iterable[Any]]]) -> bool:
        """Whether no key of ``used`` (kind, keys) was dropped since ``stamp``: what was
        made of them then is what would be made of them now. A kind with no drop at all
        since costs one comparison."""
        for kind, keys in used:
            seen = stamp[kind]
            if self.epochs[kind] == seen:
                continue
            drops = self.drops[kind]
            if seen < drops.floor:
                return False
            last = drops.last
            for key in keys:
                if last.get(key, 0) > seen:
                    return False
        return True

    def sweep(self) -> None:
        """Forget copies older than the TTL (a backstop: changes drop them long before)."""
        for held in self._maps():
            held.sweep()
        if len(self.prefixes) > self._prefixes_size:
            self.prefixes.clear()

    def _maps(self) -> tuple[AgingMap[Any, Any], ...]:
        return (
            self.statuses, self.gone, self.changed, self.accounts, self.account_drops,
            self.counts, self.counted, self.marks, self.viewers, self.tags, self.authors,
            self.reblogs, self.selections, self.pages,
        )  # fmt: skip

    def clear(self) -> None:
        """Forget everything (the change log could not be followed)."""
        for kind in range(len(self.epochs)):
            self._bump(kind)
        for held in self._maps():
            held.clear()
        self.prefixes.clear()
        self.public = None
        self.pulled = None
        self.nobody = None
        self.began = self._wall()  # entries until now are lost: nothing before is known

    # -- reading -----------------------------------------------------------------------------

    def pulled_authors(self) -> frozenset[int] | None:
        if self.pulled is not None and self._clock() - self._pulled_at > self._ttl:
            self.pulled = None
        return self.pulled

    def set_pulled(self, authors: Iterable[int], guard: Guard) -> None:
        if guard.still:
            self.pulled = frozenset(authors)
            self._pulled_at = self._clock()

    # -- applying changes --------------------------------------------------------------------

    def apply(self, entries: Sequence[Entry], mark: str | None = None) -> None:
        """Apply one change's entries; ``mark`` is the change's id in the log (None: not
        known, as when it could not be written there)."""
        self._prior = {}
        for entry in entries:
            handler = _HANDLERS.get(entry[0])
            if handler is not None:  # an entry a newer release wrote: nothing to drop here
                handler(self, entry, mark)

    def _drop(self, kind: int, lru: AgingMap[Any, Any], key: Any) -> None:
        self._dropped(kind, key)
        lru.pop(key)

    def _dropped(self, kind: int, key: Hashable) -> None:
        """One key of ``kind`` changed: fills under way must not store what they read of it."""
        self.epochs[kind] += 1
        self.drops[kind].note(key, self.epochs[kind])

    def _bump(self, kind: int) -> None:
        """Any key of ``kind`` may have changed: fills under way store none of it."""
        self.epochs[kind] += 1
        self.drops[kind].everything(self.epochs[kind])

    def _status(self, entry: Entry, mark: str | None) -> None:
        self.changed.put(entry[1], True)
        self._drop(STATUSES, self.statuses, entry[1])

    def _account(self, entry: Entry, mark: str | None) -> None:
        self._drop(ACCOUNTS, self.accounts, entry[1])
        self._prior.setdefault(entry[1], self.account_drops.get(entry[1]))
        if mark is None:
            self.account_drops.pop(entry[1])
        else:
            self.account_drops.put(entry[1], mark)

    def _counts(self, entry: Entry, mark: str | None) -> None:
        self.counted.put(entry[1], True)
        self._drop(COUNTS, self.counts, entry[1])

    def _marks(self, entry: Entry, mark: str | None) -> None:
        self._drop(MARKS, self.marks, entry[1])

    def _relations(self, entry: Entry, mark: str | None) -> None:
        self._drop(RELATIONS, self.viewers, entry[1])

    def _pulled(self, entry: Entry, mark: str | None) -> None:
        self._bump(PULLED)
        self.pulled = None

    def _retagged(self, entry: Entry, mark: str | None) -> None:
        """An edit may change a status's tags: every hashtag list is filled again."""
        self._bump(LISTS)
        self.tags.clear()

    def _posted(self, entry: Entry, mark: str | None) -> None:
        facts = Facts.of_entry(entry)
        if self.changed.get(facts.id) or self.gone.get(facts.id):
            self._bump(LISTS)
            self._forget_lists_of(facts)  # its later change came first: fill them again
            return
        # The lists it joins below (the keys their fills go by, chirp.hotpath.fills): a fill
        # of one under way may have read before the post was committed.
        if facts.public_original:
            self._dropped(LISTS, ("public",))
        if facts.visibility == "public":
            for tag in facts.tags:
                self._dropped(LISTS, ("tag", tag))
        self._dropped(LISTS, ("author", facts.account_id))
        if len(entry) > RECORD_AT and entry[RECORD_AT] is not None:
            self._rendered(facts, entry)
        size = self.list_size
        if facts.public_original and self.public is not None:
            self.public.add(facts.id, size)
        if facts.visibility == "public":
            for tag in facts.tags:
                listed = self.tags.get(tag)
                if listed is not None:
                    listed.add(facts.id, size)
        author = self.authors.get(facts.account_id)
        if author is not None:
            author.add(facts.id, size)
        if facts.reblog_of_id is not None:
            self._bump(REBLOGS)
            reblogs = self.reblogs.get(facts.reblog_of_id)
            if reblogs is not None and (facts.id, facts.account_id) not in reblogs:
                bisect.insort(reblogs, (facts.id, facts.account_id))

    def _rendered(self, facts: Facts, entry: Entry) -> None:
        """What the writer of a post rendered after its commit, stored where it is still
        what the database holds."""
        if self.statuses.get(facts.id) is None:
            self.statuses.put(facts.id, record_from_entry(entry[RECORD_AT]))
        # The account: changes are applied in the log's order everywhere, and a change
        # committed after the rendering is published after it began. So if the last drop of
        # the account applied here before this change (the post drops it too) is the last
        # one the writer had applied before rendering, nothing dropped here was missed by
        # the rendering. "Neither applied any" says as much only of a process that has
        # followed the changes since before the rendering.
        if len(entry) > RENDERED_AT:
            author = facts.account_id
            before = self._prior.get(author, self.account_drops.get(author))
            if before == entry[AFTER_AT] and (
                before is not None or self._followed_since(entry[RENDERED_AT])
            ):
                self.accounts.put(author, entry[ACCOUNT_AT].encode())
        # Zero counters: any change of them follows the status's creation.
        if (
            facts.reblog_of_id is None
            and self.counted.get(facts.id) is None
            and self.counts.get(facts.id) is None
            and self._followed_since(time_of(facts.id).timestamp())
        ):
            self.counts.put(facts.id, (0, 0, 0))

    def _followed_since(self, moment: float) -> bool:
        """Whether every change published after ``moment`` (a writer's clock) was applied
        here, with a margin for clocks of different hosts."""
        return moment - FOLLOWED_MARGIN_S > self.began

    def _forget_lists_of(self, facts: Facts) -> None:
        self.public = None
        self.authors.pop(facts.account_id)
        self.tags.clear()
        if facts.reblog_of_id is not None:
            self._bump(REBLOGS)
            self.reblogs.pop(facts.reblog_of_id)

    def _deleted(self, entry: Entry, mark: str | None) -> None:
        facts = Facts.of_entry(entry)
        self._bump(LISTS)
        self.changed.put(facts.id, True)
        self._drop(STATUSES, self.statuses, facts.id)
        self.gone.put(facts.id, True)
        if self.public is not None:
            self.public.remove(facts.id)
        for listed in self.tags.values():
            listed.remove(facts.id)
        author = self.authors.get(facts.account_id)
        if author is not None:
            author.remove(facts.id)
        if facts.reblog_of_id is not None:
            self._bump(REBLOGS)
            reblogs = self.reblogs.get(facts.reblog_of_id)
            if reblogs is not None and (facts.id, facts.account_id) in reblogs:
                reblogs.remove((facts.id, facts.account_id))


_HANDLERS: dict[str, Callable[[HotStore, Entry, str | None], None]] = {
    "status": HotStore._status,
    "account": HotStore._account,
    "counts": HotStore._counts,
    "marks": HotStore._marks,
    "relations": HotStore._relations,
    "pulled": HotStore._pulled,
    "retagged": HotStore._retagged,
    "posted": HotStore._posted,
    "deleted": HotStore._deleted,
}
