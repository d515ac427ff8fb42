"""Status tables. A status, its mentions, tags and edit history live on its author's shard;
a favourite, bookmark or pin on the shard of the account that made it; a reblog is a status
of the reblogger's, on the reblogger's shard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, PrimaryKeyConstraint, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from chirp.db.base import Base, Snowflake, UTCDateTime

VISIBILITIES = ("public", "unlisted", "private", "direct")


class Status(Base):
    __tablename__ = "status"
    __table_args__ = (
        Index("ix_status_account_id_id", "account_id", "id"),
        # Only where set (see migration 0006): lookups by value still use them, and the
        # public timeline's "reblog_of_id IS NULL" cannot pick the reblog index over
        # ix_status_visibility_id.
        Index(
            "ix_status_in_reply_to_id",
            "in_reply_to_id",
            sqlite_where=text("in_reply_to_id IS NOT NULL"),
            postgresql_where=text("in_reply_to_id IS NOT NULL"),
        ),
        Index(
            "ix_status_reblog_of_id",
            "reblog_of_id",
            sqlite_where=text("reblog_of_id IS NOT NULL"),
            postgresql_where=text("reblog_of_id IS NOT NULL"),
        ),
        # One reblog per account and status (originals have no reblog_of_id: NULLs differ).
        Index("uq_status_account_id_reblog_of_id", "account_id", "reblog_of_id", unique=True),
        Index("ix_status_visibility_id", "visibility", "id"),
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    in_reply_to_id: Mapped[int | None] = mapped_column(Snowflake)
    in_reply_to_account_id: Mapped[int | None] = mapped_column(Snowflake)
    reblog_of_id: Mapped[int | None] = mapped_column(Snowflake)
    reblog_of_account_id: Mapped[int | None] = mapped_column(Snowflake)
    text: Mapped[str] = mapped_column(Text, default="")  # as written
    content: Mapped[str] = mapped_column(Text, default="")  # rendered, safe HTML
    spoiler_text: Mapped[str] = mapped_column(Text, default="")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    visibility: Mapped[str] = mapped_column(String(10))
    language: Mapped[str | None] = mapped_column(String(16))
    replies_count: Mapped[int] = mapped_column(Integer, default=0)
    reblogs_count: Mapped[int] = mapped_column(Integer, default=0)
    favourites_count: Mapped[int] = mapped_column(Integer, default=0)
    app_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StatusMention(Base):
    __tablename__ = "status_mention"
    __table_args__ = (
        PrimaryKeyConstraint("status_id", "account_id"),
        Index("ix_status_mention_account_id_status_id", "account_id", "status_id"),
    )

    status_id: Mapped[int] = mapped_column(Snowflake)
    account_id: Mapped[int] = mapped_column(Snowflake)
    username: Mapped[str] = mapped_column(String(30))  # usernames never change


class StatusTag(Base):
    __tablename__ = "status_tag"
    __table_args__ = (
        PrimaryKeyConstraint("status_id", "name"),
        Index("ix_status_tag_name_status_id", "name", "status_id"),
    )

    status_id: Mapped[int] = mapped_column(Snowflake)
    name: Mapped[str] = mapped_column(String(100))  # lower-cased
    display: Mapped[str] = mapped_column(String(100))  # as first written in the status
    visibility: Mapped[str] = mapped_column(String(10))  # copied so tag timelines filter here
    account_id: Mapped[int] = mapped_column(Snowflake)


class StatusEdit(Base):
    """A version of a status, kept when it is edited (the first edit also keeps the original)."""

    __tablename__ = "status_edit"

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    status_id: Mapped[int] = mapped_column(Snowflake, index=True)
    text: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    spoiler_text: Mapped[str] = mapped_column(Text)
    sensitive: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Favourite(Base):
    __tablename__ = "favourite"
    __table_args__ = (
        Index("uq_favourite_account_id_status_id", "account_id", "status_id", unique=True),
        Index("ix_favourite_status_id_id", "status_id", "id"),
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    status_id: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Bookmark(Base):
    __tablename__ = "bookmark"
    __table_args__ = (
        Index("uq_bookmark_account_id_status_id", "account_id", "status_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    status_id: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Pin(Base):
    __tablename__ = "pin"
    __table_args__ = (Index("uq_pin_account_id_status_id", "account_id", "status_id", unique=True),)

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    status_id: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyKey(Base):
    """A posted status by (author, Idempotency-Key), so a retried post returns the first."""

    __tablename__ = "idempotency_key"
    __table_args__ = (PrimaryKeyConstraint("account_id", "key"),)

    account_id: Mapped[int] = mapped_column(Snowflake)
    key: Mapped[str] = mapped_column(String(200))
    status_id: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
