"""One reblog per account and status

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("status") as batch_op:
        batch_op.create_index(
            "uq_status_account_id_reblog_of_id", ["account_id", "reblog_of_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("status") as batch_op:
        batch_op.drop_index("uq_status_account_id_reblog_of_id")
