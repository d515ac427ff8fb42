"""Graph edges. Each edge lives on the shard of the account that made it (the follower, the
requester, the blocker, the muter); questions about the other end ("who follows me?") ask
every database at once through the target index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index
from sqlalchemy.orm import Mapped, mapped_column

from chirp.db.base import Base, Snowflake, UTCDateTime


class Follow(Base):
    __tablename__ = "follow"
    __table_args__ = (
        Index("uq_follow_account_id_target_id", "account_id", "target_id", unique=True),
        Index("ix_follow_target_id_id", "target_id", "id"),
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    target_id: Mapped[int] = mapped_column(Snowflake)
    show_reblogs: Mapped[bool] = mapped_column(Boolean, default=True)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowRequest(Base):
    __tablename__ = "follow_request"
    __table_args__ = (
        Index("uq_follow_request_account_id_target_id", "account_id", "target_id", unique=True),
        Index("ix_follow_request_target_id_id", "target_id", "id"),
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    target_id: Mapped[int] = mapped_column(Snowflake)
    show_reblogs: Mapped[bool] = mapped_column(Boolean, default=True)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Block(Base):
    __tablename__ = "block"
    __table_args__ = (
        Index("uq_block_account_id_target_id", "account_id", "target_id", unique=True),
        Index("ix_block_target_id", "target_id"),
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    target_id: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Mute(Base):
    __tablename__ = "mute"
    __table_args__ = (
        Index("uq_mute_account_id_target_id", "account_id", "target_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    target_id: Mapped[int] = mapped_column(Snowflake)
    hide_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
