"""Media attachments; avatar and header images

Revision ID: 0005_media
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_media"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_attachment",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("file_key", sa.String(length=100), nullable=True),
        sa.Column("preview_key", sa.String(length=100), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("blurhash", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("focus_x", sa.Float(), nullable=False),
        sa.Column("focus_y", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_attachment")),
    )
    with op.batch_alter_table("media_attachment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_media_attachment_status_id_created_at", ["status_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_media_attachment_file_key", ["file_key"], unique=False)
        batch_op.create_index("ix_media_attachment_preview_key", ["preview_key"], unique=False)
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("avatar_file", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("header_file", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("header_file")
        batch_op.drop_column("avatar_file")
    op.drop_table("media_attachment")
