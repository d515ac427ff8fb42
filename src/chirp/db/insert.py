"""Inserts that quietly skip rows a unique constraint already holds, on either database."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

CHUNK = 1000


async def insert_ignoring_duplicates(
    session: AsyncSession, model: type[DeclarativeBase], rows: list[dict[str, Any]]
) -> int:
    """Insert ``rows``; a row that would break a unique constraint is skipped. Rows inserted."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    inserted = 0
    # In chunks: asyncpg takes at most 32,767 parameters in one statement.
    for start in range(0, len(rows), CHUNK):
        statement = module.insert(model).values(rows[start : start + CHUNK])
        result: Any = await session.execute(statement.on_conflict_do_nothing())
        inserted += int(result.rowcount or 0)
    return inserted
