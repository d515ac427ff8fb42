"""statuses graph notifications tags

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "block",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block")),
    )
    with op.batch_alter_table("block", schema=None) as batch_op:
        batch_op.create_index("ix_block_target_id", ["target_id"], unique=False)
        batch_op.create_index(
            "uq_block_account_id_target_id", ["account_id", "target_id"], unique=True
        )

    op.create_table(
        "bookmark",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookmark")),
    )
    with op.batch_alter_table("bookmark", schema=None) as batch_op:
        batch_op.create_index(
            "uq_bookmark_account_id_status_id", ["account_id", "status_id"], unique=True
        )

    op.create_table(
        "favourite",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_favourite")),
    )
    with op.batch_alter_table("favourite", schema=None) as batch_op:
        batch_op.create_index("ix_favourite_status_id_id", ["status_id", "id"], unique=False)
        batch_op.create_index(
            "uq_favourite_account_id_status_id", ["account_id", "status_id"], unique=True
        )

    op.create_table(
        "follow",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("show_reblogs", sa.Boolean(), nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow")),
    )
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.create_index("ix_follow_target_id_id", ["target_id", "id"], unique=False)
        batch_op.create_index(
            "uq_follow_account_id_target_id", ["account_id", "target_id"], unique=True
        )

    op.create_table(
        "follow_request",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("show_reblogs", sa.Boolean(), nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_request")),
    )
    with op.batch_alter_table("follow_request", schema=None) as batch_op:
        batch_op.create_index("ix_follow_request_target_id_id", ["target_id", "id"], unique=False)
        batch_op.create_index(
            "uq_follow_request_account_id_target_id", ["account_id", "target_id"], unique=True
        )

    op.create_table(
        "idempotency_key",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "key", name=op.f("pk_idempotency_key")),
    )
    op.create_table(
        "mute",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("hide_notifications", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mute")),
    )
    with op.batch_alter_table("mute", schema=None) as batch_op:
        batch_op.create_index(
            "uq_mute_account_id_target_id", ["account_id", "target_id"], unique=True
        )

    op.create_table(
        "notification",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("from_account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index("ix_notification_status_id", ["status_id"], unique=False)
        batch_op.create_index(
            "uq_notification_account_id_type_from_account_id_status_id",
            ["account_id", "type", "from_account_id", "status_id"],
            unique=True,
        )

    op.create_table(
        "pin",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pin")),
    )
    with op.batch_alter_table("pin", schema=None) as batch_op:
        batch_op.create_index(
            "uq_pin_account_id_status_id", ["account_id", "status_id"], unique=True
        )

    op.create_table(
        "status",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("in_reply_to_id", sa.BigInteger(), nullable=True),
        sa.Column("in_reply_to_account_id", sa.BigInteger(), nullable=True),
        sa.Column("reblog_of_id", sa.BigInteger(), nullable=True),
        sa.Column("reblog_of_account_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("spoiler_text", sa.Text(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("replies_count", sa.Integer(), nullable=False),
        sa.Column("reblogs_count", sa.Integer(), nullable=False),
        sa.Column("favourites_count", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status")),
    )
    with op.batch_alter_table("status", schema=None) as batch_op:
        batch_op.create_index("ix_status_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index("ix_status_in_reply_to_id", ["in_reply_to_id"], unique=False)
        batch_op.create_index("ix_status_reblog_of_id", ["reblog_of_id"], unique=False)
        batch_op.create_index("ix_status_visibility_id", ["visibility", "id"], unique=False)

    op.create_table(
        "status_edit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("spoiler_text", sa.Text(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_edit")),
    )
    with op.batch_alter_table("status_edit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_edit_status_id"), ["status_id"], unique=False)

    op.create_table(
        "status_mention",
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("status_id", "account_id", name=op.f("pk_status_mention")),
    )
    with op.batch_alter_table("status_mention", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_mention_account_id_status_id", ["account_id", "status_id"], unique=False
        )

    op.create_table(
        "status_tag",
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("display", sa.String(length=100), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("status_id", "name", name=op.f("pk_status_tag")),
    )
    with op.batch_alter_table("status_tag", schema=None) as batch_op:
        batch_op.create_index("ix_status_tag_name_status_id", ["name", "status_id"], unique=False)

    op.create_table(
        "tag_follow",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_follow")),
    )
    with op.batch_alter_table("tag_follow", schema=None) as batch_op:
        batch_op.create_index("uq_tag_follow_account_id_name", ["account_id", "name"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("tag_follow", schema=None) as batch_op:
        batch_op.drop_index("uq_tag_follow_account_id_name")

    op.drop_table("tag_follow")
    with op.batch_alter_table("status_tag", schema=None) as batch_op:
        batch_op.drop_index("ix_status_tag_name_status_id")

    op.drop_table("status_tag")
    with op.batch_alter_table("status_mention", schema=None) as batch_op:
        batch_op.drop_index("ix_status_mention_account_id_status_id")

    op.drop_table("status_mention")
    with op.batch_alter_table("status_edit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_edit_status_id"))

    op.drop_table("status_edit")
    with op.batch_alter_table("status", schema=None) as batch_op:
        batch_op.drop_index("ix_status_visibility_id")
        batch_op.drop_index("ix_status_reblog_of_id")
        batch_op.drop_index("ix_status_in_reply_to_id")
        batch_op.drop_index("ix_status_account_id_id")

    op.drop_table("status")
    with op.batch_alter_table("pin", schema=None) as batch_op:
        batch_op.drop_index("uq_pin_account_id_status_id")

    op.drop_table("pin")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("uq_notification_account_id_type_from_account_id_status_id")
        batch_op.drop_index("ix_notification_status_id")
        batch_op.drop_index("ix_notification_account_id_id")

    op.drop_table("notification")
    with op.batch_alter_table("mute", schema=None) as batch_op:
        batch_op.drop_index("uq_mute_account_id_target_id")

    op.drop_table("mute")
    op.drop_table("idempotency_key")
    with op.batch_alter_table("follow_request", schema=None) as batch_op:
        batch_op.drop_index("uq_follow_request_account_id_target_id")
        batch_op.drop_index("ix_follow_request_target_id_id")

    op.drop_table("follow_request")
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.drop_index("uq_follow_account_id_target_id")
        batch_op.drop_index("ix_follow_target_id_id")

    op.drop_table("follow")
    with op.batch_alter_table("favourite", schema=None) as batch_op:
        batch_op.drop_index("uq_favourite_account_id_status_id")
        batch_op.drop_index("ix_favourite_status_id_id")

    op.drop_table("favourite")
    with op.batch_alter_table("bookmark", schema=None) as batch_op:
        batch_op.drop_index("uq_bookmark_account_id_status_id")

    op.drop_table("bookmark")
    with op.batch_alter_table("block", schema=None) as batch_op:
        batch_op.drop_index("uq_block_account_id_target_id")
        batch_op.drop_index("ix_block_target_id")

    op.drop_table("block")
