"""Search indexes: FTS5 on SQLite, GIN and text_pattern_ops on PostgreSQL

Revision ID: 0005b_search
Revises: 0005_media
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

from chirp.search import indexes

revision: str = "0005b_search"
down_revision: str | None = "0005_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run(statements: dict[str, tuple[str, ...]]) -> None:
    for statement in statements.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def upgrade() -> None:
    _run({"sqlite": indexes.SQLITE_CREATE, "postgresql": indexes.POSTGRES_CREATE})


def downgrade() -> None:
    _run({"sqlite": indexes.SQLITE_DROP, "postgresql": indexes.POSTGRES_DROP})
