"""Partial indexes for reply and reblog lookups

Originals (reblog_of_id NULL) and non-replies are most statuses. Indexed whole, those NULLs
let SQLite's planner answer ``reblog_of_id IS NULL`` in the public timeline from the reblog
index, reading most of the table and sorting it; indexed only where set, the index is smaller
and the public timeline walks ``ix_status_visibility_id`` newest first instead. Lookups by
value (``= x``, ``IN (...)``) imply NOT NULL, so they still use these indexes on both
databases (checked with EXPLAIN).

Revision ID: 0006_read_indexes
Revises: 0005b_search
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_read_indexes"
down_revision: str | None = "0005b_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("reblog_of_id", "in_reply_to_id")


def upgrade() -> None:
    for column in COLUMNS:
        name = f"ix_status_{column}"
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name="status")
        op.create_index(name, "status", [column], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for column in COLUMNS:
        name = f"ix_status_{column}"
        op.drop_index(name, table_name="status")
        op.create_index(name, "status", [column])
