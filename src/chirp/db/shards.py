"""The shard map: 1,024 logical shards spread over one or more physical databases.

Logical shards are fixed forever (the shard field of every id); physical databases are
configuration. ``CHIRP_SHARD_URLS`` lists databases in order and each takes an equal contiguous
range of logical shards, so growing from two databases to four splits each range in two and
moves whole logical shards. Only this module and the repositories know a database exists.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from chirp.config import LOGICAL_SHARDS, Settings
from chirp.core import ids

log = structlog.get_logger(__name__)
T = TypeVar("T")


def shard_for_key(key: str) -> int:
    """A stable logical shard for a natural key (a username, an email): sha256, not hash()."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % LOGICAL_SHARDS


@dataclass(frozen=True, slots=True)
class PhysicalShard:
    index: int
    first: int  # first logical shard it holds
    last: int  # last logical shard it holds, inclusive
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]  # for reads (autocommit on PostgreSQL)
    # Sessions that will write. On SQLite their transactions start with BEGIN IMMEDIATE, so a
    # writer waits for the lock up front instead of failing when it upgrades a read (SQLite
    # cannot wait there without deadlocking), and they come from a pool of one connection of
    # their own (``writer_engine``): SQLite has one writer at a time, so this process's
    # writers queue for that connection without holding a reader's, and the next one starts
    # the moment the last commits. Sharing the readers' pool, writers waiting in SQLite's busy
    # handler held up to the whole pool and slept up to 100 ms past each commit: under read
    # load, writes took seconds and reads that needed the database waited behind them.
    # Elsewhere they are the same engine and pool as ``sessions``.
    writer_sessions: async_sessionmaker[AsyncSession]
    writer_engine: AsyncEngine

    def holds(self, logical: int) -> bool:
        return self.first <= logical <= self.last

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Every engine it reads and writes through (one, except on SQLite)."""
        if self.writer_engine is self.engine:
            return (self.engine,)
        return (self.engine, self.writer_engine)


class ShardMap:
    def __init__(self, physical: Sequence[PhysicalShard]) -> None:
        self.physical = tuple(physical)
        # A flat table: routing a logical shard is one list index on the hot path.
        self._route = [next(p for p in physical if p.holds(s)) for s in range(LOGICAL_SHARDS)]

    @classmethod
    def from_settings(cls, settings: Settings) -> ShardMap:
        urls = settings.physical_urls
        shards = []
        for index, url in enumerate(urls):
            first = index * LOGICAL_SHARDS // len(urls)
            last = (index + 1) * LOGICAL_SHARDS // len(urls) - 1
            engine = _make_engine(url, settings)
            # Reads on PostgreSQL run without BEGIN/ROLLBACK: at READ COMMITTED every statement
            # sees its own snapshot inside a transaction too, so the two round trips per
            # database and request buy nothing. Writes through a reader are refused on every
            # database (_refuse_writes), since here they would commit one by one.
            reader = engine.execution_options(chirp_read=True)
            if engine.name == "postgresql":
                reader = reader.execution_options(isolation_level="AUTOCOMMIT")
            sessions = async_sessionmaker(reader, expire_on_commit=False, autoflush=False)
            writer_engine = engine
            writer = engine
            if engine.name == "sqlite":
                writer_engine = _make_engine(url, settings, pool_size=1)
                writer = writer_engine.execution_options(chirp_write=True)
            writers = async_sessionmaker(writer, expire_on_commit=False, autoflush=False)
            shards.append(
                PhysicalShard(index, first, last, engine, sessions, writers, writer_engine)
            )
        return cls(shards)

    def for_logical(self, logical: int) -> PhysicalShard:
        return self._route[logical]

    def for_id(self, snowflake: int) -> PhysicalShard:
        return self._route[ids.shard_of(snowflake)]

    async def gather(self, work: Callable[[PhysicalShard], Coroutine[Any, Any, T]]) -> list[T]:
        """Run ``work`` once per physical database, concurrently (scatter-gather). If one
        fails, the others are cancelled before the error propagates (a TaskGroup), so no
        query outlives the unit of work that closes its session."""
        if len(self.physical) == 1:
            return [await work(self.physical[0])]
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(work(p)) for p in self.physical]
        return [task.result() for task in tasks]

    async def ping(self) -> dict[int, str | None]:
        """Every database's reachability: None when it answers, the error text when not."""

        async def one(shard: PhysicalShard) -> str | None:
            try:
                async with asyncio.timeout(2):
                    async with shard.engine.connect() as conn:
                        await conn.execute(text("SELECT 1"))
            except Exception as exc:
                return type(exc).__name__
            return None

        results = await self.gather(one)
        return {p.index: r for p, r in zip(self.physical, results, strict=True)}

    async def dispose(self) -> None:
        await asyncio.gather(*(e.dispose() for p in self.physical for e in p.engines))


def _make_engine(url: str, settings: Settings, *, pool_size: int | None = None) -> AsyncEngine:
    kwargs: dict[str, Any] = {
        "echo": settings.db_echo,
        # A file needs no liveness check; on SQLite the ping would be one more hop to the
        # connection's thread per unit of work.
        "pool_pre_ping": not url.startswith("sqlite"),
        "pool_size": pool_size or settings.db_pool_size,
        "max_overflow": 0 if pool_size else settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout,
        "pool_recycle": 1800,
    }
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    _watch_slow_queries(engine.sync_engine, settings.slow_ms)
    event.listen(engine.sync_engine, "before_cursor_execute", _refuse_writes)
    return engine


def _refuse_writes(
    conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
) -> None:
    if conn.get_execution_options().get("chirp_read") and not statement.lstrip()[
        :6
    ].upper().startswith(_READS):
        raise ReadOnlyUnit("a write in a read unit of work: use rt.uow(write=True)")


_READS = ("SELECT", "WITH", "BEGIN")  # BEGIN: SQLite read transactions (_sqlite_begin)


class ReadOnlyUnit(RuntimeError):
    """A unit of work opened for reading tried to change something."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # We emit BEGIN ourselves (below), so the driver must not emit its own.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    # WAL lets readers run beside the one writer; NORMAL sync is durable across app crashes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get("chirp_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _watch_slow_queries(engine: Engine, slow_ms: float) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _start(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        conn.info.setdefault("chirp_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        started = conn.info["chirp_started"].pop()
        elapsed_ms = (time.perf_counter() - started) * 1000
        if elapsed_ms >= slow_ms:
            # The statement only: parameters can hold emails, digests and hashes.
            log.warning("slow_query", duration_ms=round(elapsed_ms, 1), statement=statement[:500])
