"""Filling the hot store from the database (and Redis) when a page needs what it does not
hold: each fill reads only what is missing, through the same repositories and renderer as
the database path, and stores it only if no change of its kind came in meanwhile (the
store's guards)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

import orjson

from chirp.accounts.repository import AccountRepository
from chirp.accounts.views import public_entities
from chirp.core.pagination import Page
from chirp.graph.relations import Relations
from chirp.hotpath.candidates import Candidates
from chirp.hotpath.platform import HotPlatform
from chirp.hotpath.records import Counts, Marks, StatusRecord, record_of
from chirp.hotpath.store import (
    ACCOUNTS,
    COUNTS,
    LISTS,
    MARKS,
    PULLED,
    REBLOGS,
    RELATIONS,
    STATUSES,
)
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews

NOBODY = Relations(None)


async def records(rt: HotPlatform, ids: Collection[int]) -> dict[int, StatusRecord]:
    """The records of these statuses that exist, and of the originals they reblog; the
    ones that do not exist are remembered as gone."""
    store = rt.hot.store
    found: dict[int, StatusRecord] = {}
    missing = []
    for status_id in ids:
        record = store.statuses.get(status_id)
        if record is not None:
            found[status_id] = record
        elif store.gone.get(status_id) is None:
            missing.append(status_id)
    if missing:
        found.update(await _load_records(rt, missing))
    originals = {r.reblog_of_id for r in found.values() if r.reblog_of_id is not None}
    absent = []
    for original in originals - found.keys():
        record = store.statuses.get(original)
        if record is not None:
            found[original] = record
        elif store.gone.get(original) is None:
            absent.append(original)
    if absent:
        found.update(await _load_records(rt, absent))
    return found


async def _load_records(rt: HotPlatform, ids: list[int]) -> dict[int, StatusRecord]:
    """Records of these statuses (and their originals) from the database, rendered as the
    database path renders them."""
    store = rt.hot.store
    statuses, accounts_guard = store.guard(STATUSES), store.guard(ACCOUNTS)
    counts_guard = store.guard(COUNTS)
    async with rt.hot.slot(), rt.uow() as uow:
        rows = await StatusRepository(uow).get_many(ids, reuse=True)
        entities = await StatusViews.neutral(rt, uow).render(list(rows.values()))
    built: dict[int, StatusRecord] = {}
    accounts: dict[int, bytes] = {}
    for entity in entities:
        for part in (entity, entity["reblog"]) if entity["reblog"] else (entity,):
            record = record_of(part)
            built[record.id] = record
            accounts[record.account_id] = orjson.dumps(part["account"])
    if statuses.still:
        for status_id in ids:
            if status_id not in built:  # no row, or a reblog whose original is gone
                store.gone.put(status_id, True)
        for status_id, record in built.items():
            store.statuses.put(status_id, record)
    if accounts_guard.still:
        for account_id, account in accounts.items():
            store.accounts.put(account_id, account)
    if counts_guard.still:
        for row in rows.values():
            if row.reblog_of_id is None:
                store.counts.put(
                    row.id, (row.reblogs_count, row.favourites_count, row.replies_count)
                )
    return built


async def accounts(rt: HotPlatform, ids: Iterable[int]) -> dict[int, bytes]:
    """Account entities (encoded), from memory or the entity cache or the database."""
    store = rt.hot.store
    found: dict[int, bytes] = {}
    missing = set()
    for account_id in ids:
        account = store.accounts.get(account_id)
        if account is None:
            missing.add(account_id)
        else:
            found[account_id] = account
    if missing:
        guard = store.guard(ACCOUNTS)
        async with rt.hot.slot(), rt.uow() as uow:
            loaded = await public_entities(uow, rt.entities, rt.settings.public_url, missing)
        for account_id, entity in loaded.items():
            found[account_id] = orjson.dumps(entity)
            if guard.still:
                store.accounts.put(account_id, found[account_id])
    return found


async def counts(rt: HotPlatform, ids: Iterable[int]) -> dict[int, Counts]:
    """Live counters: from memory, else the shared copy (Redis), else the database."""
    store = rt.hot.store
    found: dict[int, Counts] = {}
    missing = []
    for status_id in ids:
        held = store.counts.get(status_id)
        if held is None:
            missing.append(status_id)
        else:
            found[status_id] = held
    if not missing:
        return found
    guard = store.guard(COUNTS)
    shared, versions = await rt.hot.counts.get_many(missing)
    unknown = [i for i in missing if i not in shared]
    if unknown:
        async with rt.hot.slot(), rt.uow() as uow:
            read = await StatusRepository(uow).counts_of(unknown)
        await rt.hot.counts.fill(read, versions)
        shared.update(read)
    for status_id, value in shared.items():
        found[status_id] = value
        if guard.still:
            store.counts.put(status_id, value)
    return found


async def relations(rt: HotPlatform, viewer_id: int | None) -> Relations:
    if viewer_id is None:
        return NOBODY
    store = rt.hot.store
    now = rt.clock.now()
    held = store.relations.get(viewer_id)
    if held is not None and held[1] > now.timestamp():
        return held[0]
    guard = store.guard(RELATIONS)
    async with rt.hot.slot(), rt.uow() as uow:
        loaded = await Relations.load(uow, viewer_id, now, rt.relations)
    if guard.still:
        store.relations.put(viewer_id, (loaded, _until(loaded.until)))
    return loaded


def _until(moment: datetime | None) -> float:
    return float("inf") if moment is None else moment.timestamp()


async def marks(rt: HotPlatform, viewer_id: int) -> Marks:
    store = rt.hot.store
    held = store.marks.get(viewer_id)
    if held is not None:
        return held
    guard = store.guard(MARKS)
    async with rt.hot.slot(), rt.uow() as uow:
        found = await StatusRepository(uow).viewer_marks(viewer_id, None)
    loaded = Marks(
        frozenset(found["favourite"]),
        frozenset(found["reblog"]),
        frozenset(found["bookmark"]),
        frozenset(found["pin"]),
    )
    if guard.still:
        store.marks.put(viewer_id, loaded)
    return loaded


async def reblogs(rt: HotPlatform, originals: Collection[int]) -> dict[int, list[tuple[int, int]]]:
    """Every reblog of these statuses, (reblog id, reblogger), oldest first."""
    store = rt.hot.store
    found: dict[int, list[tuple[int, int]]] = {}
    missing = []
    for original in originals:
        held = store.reblogs.get(original)
        if held is None:
            missing.append(original)
        else:
            found[original] = held
    if missing:
        guard = store.guard(REBLOGS)
        async with rt.hot.slot(), rt.uow() as uow:
            loaded = await StatusRepository(uow).reblogs_by_original(missing)
        for original, listed in loaded.items():
            found[original] = listed
            if guard.still:
                store.reblogs.put(original, listed)
    return found


async def pulled(rt: HotPlatform) -> frozenset[int]:
    store = rt.hot.store
    held = store.pulled_authors()
    if held is not None:
        return held
    guard = store.guard(PULLED)
    async with rt.hot.slot(), rt.uow() as uow:
        found = frozenset(await AccountRepository(uow).pulled())
    store.set_pulled(found, guard)
    return found


async def public_list(rt: HotPlatform) -> Candidates:
    store = rt.hot.store
    if store.public is not None:
        return store.public
    guard, size = store.guard(LISTS), store.list_size
    async with rt.hot.slot(), rt.uow() as uow:
        rows = await StatusRepository(uow).public(Page(limit=size))
    listed = Candidates.of([s.id for s in rows], size)
    if guard.still:
        store.public = listed
    return listed


async def tag_list(rt: HotPlatform, tag: str) -> Candidates:
    store = rt.hot.store
    held = store.tags.get(tag)
    if held is not None:
        return held
    guard, size = store.guard(LISTS), store.list_size
    async with rt.hot.slot(), rt.uow() as uow:
        ids = await StatusRepository(uow).tagged([tag], Page(limit=size))
    listed = Candidates.of(ids, size)
    if guard.still:
        store.tags.put(tag, listed)
    return listed


async def author_list(rt: HotPlatform, account_id: int) -> Candidates:
    store = rt.hot.store
    held = store.authors.get(account_id)
    if held is not None:
        return held
    guard, size = store.guard(LISTS), store.list_size
    async with rt.hot.slot(), rt.uow() as uow:
        ids = await StatusRepository(uow).ids_by_accounts([account_id], Page(limit=size))
    listed = Candidates.of(ids, size)
    if guard.still:
        store.authors.put(account_id, listed)
    return listed
