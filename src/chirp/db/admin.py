"""Whole databases on a PostgreSQL server: the test suite and the benchmarks make and drop
throwaway shard databases with this (Chirp itself only ever migrates the ones it is given)."""

from __future__ import annotations

from collections.abc import Iterable


async def reset_databases(server: str, names: Iterable[str], *, create: bool) -> None:
    """Drop these databases (closing their sessions) and, with ``create``, make them empty
    again. ``server`` is a ``postgresql://user@host:port`` URL without a database."""
    import asyncpg

    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
