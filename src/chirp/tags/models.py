"""A followed tag lives on the follower's shard; tag use lives with each status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chirp.db.base import Base, Snowflake, UTCDateTime


class TagFollow(Base):
    __tablename__ = "tag_follow"
    __table_args__ = (
        Index("uq_tag_follow_account_id_name", "account_id", "name", unique=True),
        Index("ix_tag_follow_name", "name"),  # fan-out finds a tag's followers
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
