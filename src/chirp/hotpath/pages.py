"""The hot pages: home, public, hashtag and account timelines, and one status, answered from
the hot store and stitched from bytes.

Each follows the database path's algorithm step for step (``chirp.timelines.filtering.fill``:
batches of twice the page, at most five; ``chirp.timelines.home.read_home``'s rules; the
visibility rules of ``chirp.posts.visibility``, called on the records themselves), so the
pages are the same bytes. What it cannot answer from memory (a page below what a list or a
feed keeps, a feed being rebuilt, a home that merges pulled authors) is a ``None``: the
caller answers from the database path, whose reads refill what they touch.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import replace

from chirp.core.pagination import Page
from chirp.graph.relations import Relations
from chirp.hotpath import fills
from chirp.hotpath.candidates import Candidates
from chirp.hotpath.platform import HotPlatform
from chirp.hotpath.records import Marks, StatusRecord, stitch
from chirp.hotpath.store import ACCOUNTS, COUNTS, MARKS, REBLOGS, STATUSES, Viewer
from chirp.posts.visibility import Audience, can_see, shown_in_timeline
from chirp.timelines.feeds import FeedSlice
from chirp.timelines.filtering import ROUNDS
from chirp.timelines.home import belongs_in_home

Rule = Callable[[StatusRecord, StatusRecord | None], bool]
Answer = tuple[bytes, list[int]]  # the body, and the ids its Link header pages by


def _batch(page: Page) -> int:
    return max(page.limit, 20) * 2


def _audience(records: list[StatusRecord]) -> Audience:
    """The mentions that decide access, from the records (no query)."""
    limited = ("private", "direct")
    return Audience({r.id: set(r.mentioned) for r in records if r.visibility in limited})


class _Picker:
    """``fill``'s loop over batches, on records."""

    def __init__(self, rt: HotPlatform, page: Page, relations: Relations, rule: Rule | None):
        self.rt, self.page, self.relations, self.rule = rt, page, relations, rule
        self.kept: list[int] = []
        self.records: dict[int, StatusRecord] = {}

    async def take(self, batch: list[int]) -> list[int]:
        """Keep what of ``batch`` (ids, in the page's order) the viewer may see; the ids of
        the batch that exist (what the next batch is bounded by)."""
        found = await fills.records(self.rt, batch)
        self.records.update(found)
        rows = [found[i] for i in batch if i in found]
        originals = [found[r.reblog_of_id] for r in rows if r.reblog_of_id in found]
        audience = _audience([*rows, *originals])
        for record in rows:
            original = found.get(record.reblog_of_id) if record.reblog_of_id else None
            if not shown_in_timeline(record, original, self.relations, audience):
                continue
            if self.rule is not None and not self.rule(record, original):
                continue
            self.kept.append(record.id)
        return [r.id for r in rows]

    @property
    def enough(self) -> bool:
        return len(self.kept) >= self.page.limit

    def chosen(self) -> list[int]:
        return self.page.pick(self.kept)


async def _from_list(
    rt: HotPlatform,
    listed: Candidates,
    page: Page,
    relations: Relations,
    accept: Callable[[StatusRecord], bool] | None = None,
) -> _Picker | None:
    """``fill`` over a held list; ``accept`` is what the database query would have
    filtered on (so it does not use up a batch)."""
    scanned = listed.scan(page)
    if scanned is None:
        return None
    ids, whole = scanned
    picker = _Picker(rt, page, relations, None)
    size = _batch(page)
    accepted = _Accepted(rt, ids, accept, size) if accept is not None else None
    at = 0
    for _ in range(ROUNDS):
        if accepted is None:
            batch, at = ids[at : at + size], at + size
        else:
            batch = await accepted.take(size)
        if len(batch) < size and not whole:
            return None  # the database holds more below what the list keeps
        if not batch or not await picker.take(batch):
            break
        if picker.enough:
            break
    return picker


class _Accepted:
    """Ids of a list that pass a filter on their records, loading records in chunks."""

    def __init__(
        self, rt: HotPlatform, ids: list[int], accept: Callable[[StatusRecord], bool], size: int
    ) -> None:
        self.rt, self.ids, self.accept, self.size = rt, ids, accept, size
        self._at = 0
        self._ready: list[int] = []

    async def take(self, count: int) -> list[int]:
        while len(self._ready) < count and self._at < len(self.ids):
            chunk = self.ids[self._at : self._at + self.size]
            self._at += self.size
            found = await fills.records(self.rt, chunk)
            self._ready += [i for i in chunk if i in found and self.accept(found[i])]
        taken, self._ready = self._ready[:count], self._ready[count:]
        return taken


# -- rendering -------------------------------------------------------------------------------


async def _render(
    rt: HotPlatform, picker: _Picker | None, viewer_id: int | None, ids: list[int] | None = None
) -> Answer | None:
    if picker is None:
        return None
    chosen = picker.chosen() if ids is None else ids
    return await render(rt, [picker.records[i] for i in chosen], picker.records, viewer_id), chosen


async def _stitched(
    rt: HotPlatform, key: Hashable, picker: _Picker, viewer_id: int | None, chosen: list[int]
) -> Answer | None:
    """A page just chosen, stitched and kept for the next read of it (``_again``)."""
    body = await _again(rt, key, chosen, viewer_id)
    if body is None:  # a status of it was dropped meanwhile: stitched from what was read
        return await _render(rt, picker, viewer_id, chosen)
    return body, chosen


async def render(
    rt: HotPlatform,
    chosen: list[StatusRecord],
    known: dict[int, StatusRecord],
    viewer_id: int | None,
) -> bytes:
    originals = [known[r.reblog_of_id] if r.reblog_of_id else r for r in chosen]
    accounts = await fills.accounts(
        rt, {r.account_id for r in chosen} | {o.account_id for o in originals}
    )
    counts = await fills.counts(rt, {o.id for o in originals})
    marks: Marks | None = await fills.marks(rt, viewer_id) if viewer_id is not None else None
    prefixes = rt.hot.store.prefixes
    parts = [
        stitch(
            r, accounts, counts, marks, known[r.reblog_of_id] if r.reblog_of_id else None, prefixes
        )
        for r in chosen
    ]
    return b"[" + b",".join(parts) + b"]"


async def _again(
    rt: HotPlatform, key: Hashable, chosen: list[int], viewer_id: int | None
) -> bytes | None:
    """The page of ``chosen`` for this viewer: stitched before, if nothing it was stitched
    from (records, accounts, counters, the viewer's marks) was dropped since; else stitched
    now and kept. Under a steady write load most pages read again are still what they were:
    a post drops its author's account, a favourite one status's counters and one viewer's
    marks. None: a status is no longer held (the caller chooses again)."""
    store = rt.hot.store
    held = store.pages.get(key)
    if held is not None and held[0] == chosen and store.untouched(held[1], held[2]):
        body: bytes = held[3]
        return body
    stamp = store.stamp()  # before reading: a drop from here on makes the page stale
    known = await fills.records(rt, chosen)
    if not all(i in known for i in chosen):
        return None
    records = [known[i] for i in chosen]
    body = await render(rt, records, known, viewer_id)
    originals = [known[r.reblog_of_id] if r.reblog_of_id else r for r in records]
    used = [
        (STATUSES, [*chosen, *(o.id for o in originals)]),
        (ACCOUNTS, {r.account_id for r in records} | {o.account_id for o in originals}),
        (COUNTS, [o.id for o in originals]),
        (MARKS, [viewer_id] if viewer_id is not None else []),
    ]
    store.pages.put(key, (chosen, stamp, used, body))
    return body


# -- the pages -------------------------------------------------------------------------------


async def status(rt: HotPlatform, viewer_id: int | None, status_id: int) -> bytes | None:
    """``GET /api/v1/statuses/:id``; None: answer from the database (a 404 among others)."""
    found = await fills.records(rt, [status_id])
    record = found.get(status_id)
    if record is None:
        return None
    original = found.get(record.reblog_of_id) if record.reblog_of_id else None
    if record.reblog_of_id is not None and original is None:
        return None
    relations = (await fills.viewer(rt, viewer_id)).relations
    shown = [record] if original is None else [record, original]
    audience = _audience(shown)
    if not all(can_see(s, relations, audience) for s in shown):
        return None
    body = await render(rt, [record], found, viewer_id)
    return body[1:-1]


async def _listed(
    rt: HotPlatform,
    key: Hashable,
    listed: Candidates,
    page: Page,
    viewer: Viewer,
    viewer_id: int | None,
    relations: Relations | None = None,
    accept: Callable[[StatusRecord], bool] | None = None,
) -> Answer | None:
    """A page of a held list, chosen once and then again only when the list, a status, or
    the viewer's relations changed (what the choice turns on)."""
    store = rt.hot.store
    epoch = store.epochs[STATUSES]
    held = store.selections.get(key)
    if (
        held is not None
        and held[0] is listed
        and held[1] == listed.version
        and held[2] == epoch
        and held[3] is viewer
    ):
        chosen: list[int] = held[4]
        body = await _again(rt, key, chosen, viewer_id)
        if body is not None:
            return body, chosen
    version = listed.version
    picker = await _from_list(rt, listed, page, relations or viewer.relations, accept)
    if picker is None:
        return None
    chosen = picker.chosen()
    store.selections.put(key, (listed, version, epoch, viewer, chosen))
    return await _stitched(rt, key, picker, viewer_id, chosen)


async def public(rt: HotPlatform, viewer_id: int | None, page: Page) -> Answer | None:
    viewer = await fills.viewer(rt, viewer_id)
    listed = await fills.public_list(rt)
    return await _listed(rt, ("public", viewer_id, page), listed, page, viewer, viewer_id)


async def hashtag(rt: HotPlatform, viewer_id: int | None, tag: str, page: Page) -> Answer | None:
    viewer = await fills.viewer(rt, viewer_id)
    listed = await fills.tag_list(rt, tag)
    key = ("tag", tag, viewer_id, page)
    return await _listed(rt, key, listed, page, viewer, viewer_id)


async def account(
    rt: HotPlatform,
    viewer_id: int | None,
    owner_id: int,
    page: Page,
    *,
    exclude_replies: bool,
    exclude_reblogs: bool,
) -> Answer | None:
    owner = await fills.accounts(rt, [owner_id])
    if owner_id not in owner:
        return None  # no such account: the database path answers 404
    viewer = await fills.viewer(rt, viewer_id)
    if owner_id in viewer.relations.blocked_by:
        return b"[]", []  # Mastodon shows an empty list to someone the account blocked
    # Mutes and silencing do not hide an account's own page; blocks, suspension and
    # visibility still apply (as chirp.timelines.service.account).
    relations = replace(viewer.relations, muting=set(), quiet=frozenset())

    def accept(record: StatusRecord) -> bool:
        if exclude_replies and not (
            record.in_reply_to_id is None or record.in_reply_to_account_id == owner_id
        ):
            return False
        return not (exclude_reblogs and record.reblog_of_id is not None)

    listed = await fills.author_list(rt, owner_id)
    wanted = accept if exclude_replies or exclude_reblogs else None
    key = ("account", owner_id, exclude_replies, exclude_reblogs, viewer_id, page)
    return await _listed(rt, key, listed, page, viewer, viewer_id, relations, wanted)


def first_slice(page: Page) -> Page:
    """The feed slice a home page reads first (``fill``'s first batch)."""
    return replace(page, limit=_batch(page))


async def home(
    rt: HotPlatform, viewer_id: int, page: Page, first: FeedSlice | None = None
) -> Answer | None:
    """The home timeline from the viewer's feed (push and hybrid), by ``read_home``'s rules;
    ``first``: the first slice, when it came along with the sync."""
    if not rt.home.keeps_feeds:
        return None  # pull: computed from the database on every read
    viewer = await fills.viewer(rt, viewer_id)
    relations = viewer.relations
    if rt.home.name == "hybrid" and await fills.pulled(rt) & relations.following.keys():
        return None  # merged with pulled authors' posts: the database path
    following, reblog_shown = viewer.present, viewer.reblog_shown
    first_reblog: dict[int, int] = {}

    def rule(record: StatusRecord, original: StatusRecord | None) -> bool:
        if record.reblog_of_id is not None:
            if original is not None and original.account_id in following:
                return False
            if first_reblog.get(record.reblog_of_id, record.id) < record.id:
                return False
        if record.account_id in following:
            return belongs_in_home(record, original, relations)
        return record.visibility == "public" and record.reblog_of_id is None

    key = rt.feed_reader.key(rt.home.name, viewer_id)
    cursor = first_slice(page)
    store = rt.hot.store
    found = first if first is not None else await rt.feeds.read(key, cursor)
    # What a choice of this page turns on: the feed's slice, the statuses and their reblogs,
    # and the viewer's relations.
    stamp = (tuple(found.ids), found.floor, store.epochs[STATUSES], store.epochs[REBLOGS])
    selection = ("home", viewer_id, page)
    before = store.selections.get(selection)
    if before is not None and before[0] == stamp and before[1] is viewer and found.ready:
        chosen: list[int] = before[2]
        body = await _again(rt, selection, chosen, viewer_id)
        if body is not None:
            rt.metrics.feed_reads.labels("hit").inc()
            return body, chosen
    picker = _Picker(rt, page, relations, rule)
    rounds = 0
    for _ in range(ROUNDS):
        if rounds:
            found = await rt.feeds.read(key, cursor)
        rounds += 1
        if not found.ready:
            return None  # absent or being rebuilt: the database path builds it
        floor = found.floor
        if floor is not None and (
            (cursor.ascending and (cursor.min_id or 0) < floor)
            or (not cursor.ascending and len(found.ids) < cursor.limit)
        ):
            return None  # the page reaches below what the feed keeps
        held = await fills.records(rt, found.ids)
        rows = [i for i in found.ids if i in held]
        reblogged = {o for i in rows if (o := held[i].reblog_of_id) is not None}
        if reblogged:
            for original, listed in (await fills.reblogs(rt, reblogged)).items():
                earliest = next((r for r, by in listed if by in reblog_shown), None)
                if earliest is not None:
                    first_reblog[original] = earliest
        if not rows or not await picker.take(rows):
            break
        if picker.enough:
            break
        if cursor.ascending:
            cursor = replace(cursor, min_id=max(rows))
        else:
            cursor = replace(cursor, max_id=min(rows))
    rt.metrics.feed_reads.labels("hit").inc()
    chosen = picker.chosen()
    if rounds == 1:  # chosen from the first slice alone: it can be chosen again from it
        store.selections.put(selection, (stamp, viewer, chosen))
        return await _stitched(rt, selection, picker, viewer_id, chosen)
    return await _render(rt, picker, viewer_id, chosen)
