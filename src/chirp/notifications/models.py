"""Notification rows live on the recipient's shard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chirp.db.base import Base, Snowflake, UTCDateTime

TYPES = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "update")


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_account_id_id", "account_id", "id"),
        Index("ix_notification_status_id", "status_id"),
        # One notification per (recipient, kind, actor, status): a repeated favourite or a
        # redelivered job does not notify twice.
        Index(
            "uq_notification_account_id_type_from_account_id_status_id",
            "account_id",
            "type",
            "from_account_id",
            "status_id",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    type: Mapped[str] = mapped_column(String(20))
    from_account_id: Mapped[int] = mapped_column(Snowflake)
    status_id: Mapped[int] = mapped_column(Snowflake, default=0)  # 0: none (keeps the key unique)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
