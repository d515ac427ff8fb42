"""Moderation: account standing, reports, the audit log and domain blocks

Revision ID: 0007_moderation
Revises: 0006_read_indexes
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_moderation"
down_revision: str | None = "0006_read_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STANDING = ("suspended_at", "silenced_at", "sensitized_at", "disabled_at")
# As chirp.accounts.models.RESTRICTED (a migration keeps its own copy: models change later).
RESTRICTED = "suspended_at IS NOT NULL OR silenced_at IS NOT NULL OR disabled_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("account") as batch_op:
        for column in STANDING:
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    where = sa.text(RESTRICTED)
    op.create_index(
        "ix_account_restricted", "account", ["id"], sqlite_where=where, postgresql_where=where
    )
    op.create_table(
        "report",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_ids", sa.JSON(), nullable=False),
        sa.Column("rule_ids", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("forwarded", sa.Boolean(), nullable=False),
        sa.Column("assigned_account_id", sa.BigInteger(), nullable=True),
        sa.Column("action_taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("action_taken_by_account_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
    )
    op.create_index("ix_report_target_account_id", "report", ["target_account_id"], unique=False)
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_type", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_index(
        "ix_audit_entry_target", "audit_entry", ["target_type", "target_id"], unique=False
    )
    op.create_table(
        "domain_block",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("reject_media", sa.Boolean(), nullable=False),
        sa.Column("reject_reports", sa.Boolean(), nullable=False),
        sa.Column("private_comment", sa.Text(), nullable=True),
        sa.Column("public_comment", sa.Text(), nullable=True),
        sa.Column("obfuscate", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domain_block")),
        sa.UniqueConstraint("domain", name=op.f("uq_domain_block_domain")),
    )


def downgrade() -> None:
    op.drop_table("domain_block")
    op.drop_index("ix_audit_entry_target", table_name="audit_entry")
    op.drop_table("audit_entry")
    op.drop_index("ix_report_target_account_id", table_name="report")
    op.drop_table("report")
    op.drop_index("ix_account_restricted", table_name="account")
    with op.batch_alter_table("account") as batch_op:
        for column in reversed(STANDING):
            batch_op.drop_column(column)
