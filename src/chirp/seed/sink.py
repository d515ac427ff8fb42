"""Bulk writes into every shard database: COPY on PostgreSQL, executemany on SQLite.

Rows arrive as dicts for one table and are routed to the physical database their owner's
logical shard names (``route`` picks the id that decides). PostgreSQL gets binary COPY through
asyncpg's ``copy_records_to_table`` on a connection of its own (each COPY commits by itself);
SQLite gets one executemany per batch in a transaction.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import JSON, Table, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from chirp.db.shards import PhysicalShard, ShardMap
from chirp.migrations.models import Base

Row = dict[str, Any]


class ShardWriter:
    def __init__(self, shards: ShardMap) -> None:
        self.shards = shards
        self.postgres = shards.physical[0].engine.dialect.name == "postgresql"
        self._conns: dict[int, AsyncConnection] = {}

    async def __aenter__(self) -> ShardWriter:
        for physical in self.shards.physical:
            self._conns[physical.index] = await physical.engine.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for conn in self._conns.values():
            await conn.close()
        self._conns.clear()

    async def write(self, table: Table, rows: Iterable[Row], route: Callable[[Row], int]) -> int:
        """Insert ``rows``; ``route`` gives the id whose shard holds each row. Rows written."""
        groups: dict[int, list[Row]] = defaultdict(list)
        for row in rows:
            groups[self.shards.for_id(route(row)).index].append(row)
        work = [
            self._copy(physical, table, groups[physical.index])
            for physical in self.shards.physical
            if groups.get(physical.index)
        ]
        await asyncio.gather(*work)
        return sum(len(g) for g in groups.values())

    async def _copy(self, physical: PhysicalShard, table: Table, rows: list[Row]) -> None:
        conn = self._conns[physical.index]
        if not self.postgres:
            await conn.execute(table.insert(), rows)
            await conn.commit()
            return
        # COPY takes every column: one the generator leaves out (added by a later migration,
        # say) gets its scalar default, as an INSERT would, or NULL.
        columns = [c.name for c in table.columns]
        defaults = {c.name: _scalar_default(c.default) for c in table.columns}
        as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
        records = [
            tuple(json.dumps(row[c]) if c in as_json else row.get(c, defaults[c]) for c in columns)
            for row in rows
        ]
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.copy_records_to_table(table.name, records=records, columns=columns)

    async def count(self, table: Table) -> int:
        total = 0
        for conn in self._conns.values():
            total += int((await conn.scalar(text(f"SELECT count(*) FROM {table.name}"))) or 0)  # noqa: S608 - a table name from our own metadata
            await conn.commit()
        return total

    async def empty_everything(self) -> None:
        tables = [t.name for t in Base.metadata.sorted_tables]
        for conn in self._conns.values():
            if self.postgres:
                await conn.execute(text(f"TRUNCATE {', '.join(tables)}"))
            else:
                for name in reversed(tables):
                    await conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names
            await conn.commit()

    async def analyze(self) -> None:
        """Fresh planner statistics (and, on PostgreSQL, the visibility map for index-only
        scans): without them the first benchmark runs against guesses."""
        for conn in self._conns.values():
            if self.postgres:
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection
                await driver.execute("VACUUM ANALYZE")
            else:
                await conn.execute(text("ANALYZE"))
                await conn.commit()


def _scalar_default(default: object) -> Any:
    """A column's scalar default (``default=0``, say); None for none or a callable one."""
    if isinstance(default, ScalarElementColumnDefault):
        return default.arg
    return None
