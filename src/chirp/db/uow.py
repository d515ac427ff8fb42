"""The unit of work: the one owner of a request's (or a job's) transactions.

It opens at most one session per physical database, lazily, the first time a repository asks
for a shard. Repositories never commit; the service that owns the use case calls ``commit``.
Leaving the block without committing rolls everything back. Callbacks registered with
``after_commit`` run only once every session has committed, so side effects never see rows
that a rollback would take back.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, Self, TypeVar

import structlog
from sqlalchemy import Select, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chirp.db.shards import PhysicalShard, ShardMap

log = structlog.get_logger(__name__)
Callback = Callable[[], Awaitable[None]]
Scope = Callable[[], contextlib.AbstractAsyncContextManager[None]]
K = TypeVar("K")
M = TypeVar("M")


class UnitOfWork:
    def __init__(
        self, shards: ShardMap, *, write: bool = False, after_commit_scope: Scope | None = None
    ) -> None:
        self.shards = shards
        self.write = write
        # What the after-commit steps of one commit run within (the hot path gathers their
        # change entries into one change there).
        self._scope = after_commit_scope
        self._sessions: dict[int, AsyncSession] = {}
        self._after_commit: list[Callback] = []
        self._gathered: dict[str, list[Any]] = {}
        self._held: list[Any] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed without expiring loaded rows, so
        # what a use case read stays readable after the block (rollback() would expire it).
        self._after_commit.clear()
        self._gathered.clear()
        self._held.clear()
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()

    def session(self, physical: PhysicalShard) -> AsyncSession:
        session = self._sessions.get(physical.index)
        if session is None:
            session = (physical.writer_sessions if self.write else physical.sessions)()
            self._sessions[physical.index] = session
        return session

    def for_logical(self, logical: int) -> AsyncSession:
        return self.session(self.shards.for_logical(logical))

    def for_id(self, snowflake: int) -> AsyncSession:
        return self.session(self.shards.for_id(snowflake))

    async def scatter(
        self,
        keys: Iterable[K],
        build: Callable[[list[K]], Select[*tuple[Any, ...]]],
        route: Callable[[K], PhysicalShard] | None = None,
        *,
        rows: bool = False,
    ) -> list[Any]:
        """One query per database holding any of ``keys``, all at once: ``build`` makes the
        query for that database's keys; ``route`` finds a key's database (by default the
        key is an id carrying its shard). Scalars, or whole rows with ``rows=True``."""
        find = route or self.shards.for_id
        groups: dict[int, list[K]] = defaultdict(list)
        for key in set(keys):
            groups[find(key).index].append(key)  # type: ignore[arg-type]

        async def load(shard: PhysicalShard) -> list[Any]:
            wanted = groups.get(shard.index)
            if not wanted:
                return []
            session = self.session(shard)
            if rows:
                return list((await session.execute(build(wanted))).all())
            return list(await session.scalars(build(wanted)))

        return [item for found in await self.shards.gather(load) for item in found]

    async def everywhere(self, query: Select[*tuple[Any, ...]]) -> list[Any]:
        """The same query on every database at once; the scalars of all of them."""

        async def load(shard: PhysicalShard) -> list[Any]:
            return list(await self.session(shard).scalars(query))

        return [item for found in await self.shards.gather(load) for item in found]

    def hold(self, rows: Iterable[Any]) -> None:
        """Keep these rows until the unit of work ends, for ``loaded`` to find (a session
        forgets rows nothing else refers to)."""
        self._held.extend(rows)

    def loaded(self, model: type[M], ids: Iterable[int]) -> dict[int, M]:
        """Rows of ``model`` (by snowflake id) this unit of work read already, without a
        query. A SELECT would answer these same objects anyway: it does not refresh rows a
        session holds. Expired rows are left out (reading them would load lazily)."""
        mapper = inspect(model)
        found: dict[int, M] = {}
        for row_id in ids:
            session = self._sessions.get(self.shards.for_id(row_id).index)
            if session is None:
                continue
            key = mapper.identity_key_from_primary_key((row_id,))
            row = session.sync_session.identity_map.get(key)
            if row is not None and not _expired(row):
                found[row_id] = row
        return found

    def after_commit(self, callback: Callback) -> None:
        self._after_commit.append(callback)

    def gather_after_commit(
        self, key: str, item: Any, flush: Callable[[list[Any]], Awaitable[None]]
    ) -> None:
        """Collect ``item`` under ``key``; after commit, ``flush`` runs once with every item
        collected under it (one hand-off for all of a use case's events, say)."""
        items = self._gathered.get(key)
        if items is None:
            items = self._gathered[key] = []

            async def flush_all() -> None:
                await flush(items)

            self.after_commit(flush_all)
        items.append(item)

    async def commit(self) -> None:
        if not self.write:
            # A read unit of work may run without a transaction (see ShardMap): what it
            # wrote would not commit or roll back together.
            raise RuntimeError("commit in a read unit of work: use rt.uow(write=True)")
        # Databases are independent: a write that spans two of them is ordered by the service
        # so that a failure between commits leaves only something it can repair (see
        # chirp.accounts.registration for the one case in this release).
        # Flush everywhere first: constraint violations surface before any database commits,
        # so a conflict on one shard does not leave another shard's half committed.
        for session in self._sessions.values():
            await session.flush()
        for session in self._sessions.values():
            await session.commit()
        callbacks, self._after_commit = self._after_commit, []
        self._gathered = {}  # what is recorded after this commit waits for the next one
        if not callbacks:
            return
        async with self._scope() if self._scope is not None else contextlib.nullcontext():
            for callback in callbacks:
                try:
                    await callback()
                except Exception:  # a side effect must never undo or fail a committed change
                    log.exception("after_commit_failed")

    async def commit_unless_duplicate(self) -> bool:
        """Commit; when a unique constraint refuses a row because a concurrent request made
        the same one first, roll back and answer False (the state wanted exists anyway).
        Rows read before stay readable only through their ids: a rollback expires them."""
        try:
            await self.commit()
        except IntegrityError:
            await self.rollback()
            return False
        return True

    async def rollback(self) -> None:
        self._after_commit.clear()
        self._gathered.clear()
        for session in self._sessions.values():
            await session.rollback()


def _expired(row: Any) -> bool:
    state = inspect(row)
    return bool(state.expired or state.expired_attributes)
