"""Moderation tables. A report lives on its reporter's shard, an audit-log entry on its
target's, a domain block on the shard its domain hashes to; the admin API lists them from
every database at once (they are few, and only staff read them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chirp.db.base import Base, Snowflake, UTCDateTime


class Report(Base):
    __tablename__ = "report"
    __table_args__ = (Index("ix_report_target_account_id", "target_account_id"),)

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)  # who reported
    target_account_id: Mapped[int] = mapped_column(Snowflake)
    status_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    rule_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16), default="other")  # spam|legal|violation|other
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_account_id: Mapped[int | None] = mapped_column(Snowflake)
    action_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    action_taken_by_account_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """One moderator's action, kept for good: who did what to which object, and when. It
    lives on the shard of its target (its id says which)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(Snowflake)  # the moderator; None: `chirp admin`
    action: Mapped[str] = mapped_column(String(32))  # suspend, unsuspend, resolve, ...
    target_type: Mapped[str] = mapped_column(String(16))  # account | report | domain_block
    target_id: Mapped[int] = mapped_column(Snowflake)
    detail: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DomainBlock(Base):
    """A server whose accounts and posts will be limited or refused once Chirp federates:
    stored now, as Mastodon's admin API keeps it."""

    __tablename__ = "domain_block"

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)  # lower-cased
    severity: Mapped[str] = mapped_column(String(8), default="silence")  # silence|suspend|noop
    reject_media: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    private_comment: Mapped[str | None] = mapped_column(Text)
    public_comment: Mapped[str | None] = mapped_column(Text)
    obfuscate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
