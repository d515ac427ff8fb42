"""Filling the hot store from the database (and Redis) when a page needs what it does not
hold: each fill reads only what is missing, through the same repositories and renderer as
the database path, and stores it only if no change of its kind came in meanwhile (the
store's guards). Requests missing the same thing at once wait for one fill of it (flights).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Hashable, Iterable

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
    Viewer,
)
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews


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
        found.update(await store.loading.statuses.load(missing, lambda m: _load_records(rt, m)))
    absent = []
    for original in {r.reblog_of_id for r in found.values()} - found.keys() - {None}:
        assert original is not None
        record = store.statuses.get(original)
        if record is not None:
            found[original] = record
        elif store.gone.get(original) is None:
            absent.append(original)
    if absent:
        found.update(await store.loading.statuses.load(absent, lambda m: _load_records(rt, m)))
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
    for status_id in ids:
        if status_id not in built and statuses.kept(status_id):  # no row, or its original gone
            store.gone.put(status_id, True)
    for status_id, record in built.items():
        if statuses.kept(status_id):
            store.statuses.put(status_id, record)
    for account_id, account in accounts.items():
        if accounts_guard.kept(account_id):
            store.accounts.put(account_id, account)
    for row in rows.values():
        if row.reblog_of_id is None and counts_guard.kept(row.id):
            store.counts.put(row.id, (row.reblogs_count, row.favourites_count, row.replies_count))
    return built


async def accounts(rt: HotPlatform, ids: Iterable[int]) -> dict[int, bytes]:
    """Account entities (encoded), from memory or the entity cache or the database."""
    store = rt.hot.store
    found: dict[int, bytes] = {}
    missing = []
    for account_id in ids:
        account = store.accounts.get(account_id)
        if account is None:
            missing.append(account_id)
        else:
            found[account_id] = account
    if missing:
        found.update(await store.loading.accounts.load(missing, lambda m: _load_accounts(rt, m)))
    return found


async def _load_accounts(rt: HotPlatform, ids: list[int]) -> dict[int, bytes]:
    store = rt.hot.store
    guard = store.guard(ACCOUNTS)
    async with rt.hot.slot(), rt.uow() as uow:
        loaded = await public_entities(uow, rt.entities, rt.settings.public_url, ids)
    encoded = {account_id: orjson.dumps(entity) for account_id, entity in loaded.items()}
    for account_id, account in encoded.items():
        if guard.kept(account_id):
            store.accounts.put(account_id, account)
    return encoded


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
    if missing:
        found.update(await store.loading.counts.load(missing, lambda m: _load_counts(rt, m)))
    return found


async def _load_counts(rt: HotPlatform, ids: list[int]) -> dict[int, Counts]:
    store = rt.hot.store
    guard = store.guard(COUNTS)
    shared, versions = await rt.hot.counts.get_many(ids)
    unknown = [i for i in ids if i not in shared]
    if unknown:
        async with rt.hot.slot(), rt.uow() as uow:
            read = await StatusRepository(uow).counts_of(unknown)
        await rt.hot.counts.fill(read, versions)
        shared.update(read)
    for status_id, value in shared.items():
        if guard.kept(status_id):
            store.counts.put(status_id, value)
    return shared


async def viewer(rt: HotPlatform, viewer_id: int | None) -> Viewer:
    """The viewer's relations (nobody's, without a token), held until a change drops them
    or a timed mute runs out."""
    store = rt.hot.store
    if viewer_id is None:
        if store.nobody is None:  # one object, so pages chosen for it are chosen again
            store.nobody = Viewer.of(Relations.anonymous(rt.standing))
        return store.nobody
    now = rt.clock.now()
    held = rt.hot.store.viewers.get(viewer_id)
    if held is not None and held.until > now.timestamp():
        return held

    async def load() -> Viewer:
        store = rt.hot.store
        guard = store.guard(RELATIONS)
        async with rt.hot.slot(), rt.uow() as uow:
            loaded = Viewer.of(await Relations.load(uow, viewer_id, now, rt.relations, rt.standing))
        if guard.kept(viewer_id):
            store.viewers.put(viewer_id, loaded)
        return loaded

    return await rt.hot.store.loading.viewers.one(viewer_id, load)


async def marks(rt: HotPlatform, viewer_id: int) -> Marks:
    held = rt.hot.store.marks.get(viewer_id)
    if held is not None:
        return held

    async def load() -> Marks:
        store = rt.hot.store
        guard = store.guard(MARKS)
        async with rt.hot.slot(), rt.uow() as uow:
            found = await StatusRepository(uow).viewer_marks(viewer_id, None)
        loaded = Marks(
            frozenset(found["favourite"]),
            frozenset(found["reblog"]),
            frozenset(found["bookmark"]),
            frozenset(found["pin"]),
        )
        if guard.kept(viewer_id):
            store.marks.put(viewer_id, loaded)
        return loaded

    return await rt.hot.store.loading.marks.one(viewer_id, load)


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
        found.update(await store.loading.reblogs.load(missing, lambda m: _load_reblogs(rt, m)))
    return found


async def _load_reblogs(rt: HotPlatform, ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    store = rt.hot.store
    guard = store.guard(REBLOGS)
    async with rt.hot.slot(), rt.uow() as uow:
        loaded = await StatusRepository(uow).reblogs_by_original(ids)
    if guard.still:
        for original, listed in loaded.items():
            store.reblogs.put(original, listed)
    return loaded


async def pulled(rt: HotPlatform) -> frozenset[int]:
    held = rt.hot.store.pulled_authors()
    if held is not None:
        return held

    async def load() -> frozenset[int]:
        store = rt.hot.store
        guard = store.guard(PULLED)
        async with rt.hot.slot(), rt.uow() as uow:
            found = frozenset(await AccountRepository(uow).pulled())
        store.set_pulled(found, guard)
        return found

    return await rt.hot.store.loading.pulled.one("pulled", load)


async def public_list(rt: HotPlatform) -> Candidates:
    held = rt.hot.store.public
    if held is not None:
        return held

    async def newest(repo: StatusRepository, size: int) -> list[int]:
        return [s.id for s in await repo.public(Page(limit=size))]

    def keep(listed: Candidates) -> None:
        rt.hot.store.public = listed

    return await _list(rt, ("public",), newest, keep)


async def tag_list(rt: HotPlatform, tag: str) -> Candidates:
    held = rt.hot.store.tags.get(tag)
    if held is not None:
        return held

    async def newest(repo: StatusRepository, size: int) -> list[int]:
        return await repo.tagged([tag], Page(limit=size))

    return await _list(rt, ("tag", tag), newest, lambda listed: rt.hot.store.tags.put(tag, listed))


async def author_list(rt: HotPlatform, account_id: int) -> Candidates:
    held = rt.hot.store.authors.get(account_id)
    if held is not None:
        return held

    async def newest(repo: StatusRepository, size: int) -> list[int]:
        return await repo.ids_by_accounts([account_id], Page(limit=size))

    def keep(listed: Candidates) -> None:
        rt.hot.store.authors.put(account_id, listed)

    return await _list(rt, ("author", account_id), newest, keep)


_Newest = Callable[[StatusRepository, int], Awaitable[list[int]]]


async def _list(
    rt: HotPlatform,
    key: tuple[Hashable, ...],
    newest: _Newest,
    keep: Callable[[Candidates], None],
) -> Candidates:
    """A timeline's newest candidates, loaded once however many requests want them, and
    kept (``keep``) unless a change came in meanwhile."""

    async def load() -> Candidates:
        store = rt.hot.store
        guard, size = store.guard(LISTS), store.list_size
        async with rt.hot.slot(), rt.uow() as uow:
            listed = Candidates.of(await newest(StatusRepository(uow), size), size)
        if guard.kept(key):
            keep(listed)
        return listed

    return await rt.hot.store.loading.lists.one(key, load)
