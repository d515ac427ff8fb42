"""Account tables. An account and its credential live on the shard its id names, which is the
shard its lower-cased username hashes to, so a lookup by username needs no directory. Emails
are claimed in ``email_claim`` on the shard the lower-cased email hashes to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from chirp.db.base import Base, Snowflake, UTCDateTime

# The accounts a moderator restricted: every process reloads them every few seconds
# (chirp.accounts.standing), so they are found without reading the table.
RESTRICTED = "suspended_at IS NOT NULL OR silenced_at IS NOT NULL OR disabled_at IS NOT NULL"


class Account(Base):
    __tablename__ = "account"
    __table_args__ = (
        Index(
            "ix_account_restricted",
            "id",
            sqlite_where=text(RESTRICTED),
            postgresql_where=text(RESTRICTED),
        ),
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    username_key: Mapped[str] = mapped_column(String(30), unique=True)  # lower-cased
    display_name: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")  # as written; rendered on the way out
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    bot: Mapped[bool] = mapped_column(Boolean, default=False)
    discoverable: Mapped[bool] = mapped_column(Boolean, default=True)
    hide_collections: Mapped[bool] = mapped_column(Boolean, default=False)
    # Profile metadata: up to four {"name", "value"} pairs, as written.
    fields: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # Storage keys of the processed images (chirp.media); None shows the default image.
    avatar_file: Mapped[str | None] = mapped_column(String(100))
    header_file: Mapped[str | None] = mapped_column(String(100))
    followers_count: Mapped[int] = mapped_column(Integer, default=0)
    following_count: Mapped[int] = mapped_column(Integer, default=0)
    statuses_count: Mapped[int] = mapped_column(Integer, default=0)
    last_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set, once and for good, when the hybrid timeline strategy first declines to push this
    # account's posts (too many followers): from then on its followers pull them on read.
    # Sticky, so that falling back under the threshold never strands an unpushed post.
    fanout_pulled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Moderation (chirp.moderation), each set by a moderator's action and cleared by its
    # undoing: suspended (gone for everyone, no login), silenced (seen only by followers),
    # sensitized (media marked sensitive), disabled (no login, posts stay).
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    silenced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sensitized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Credential(Base):
    """What only the account's owner sees: kept off the account row that timelines hydrate."""

    __tablename__ = "credential"

    account_id: Mapped[int] = mapped_column(
        Snowflake, ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    role: Mapped[str] = mapped_column(String(16), default="user")  # user | moderator | admin
    privacy: Mapped[str] = mapped_column(String(16), default="public")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EmailClaim(Base):
    __tablename__ = "email_claim"

    email_key: Mapped[str] = mapped_column(String(320), primary_key=True)  # lower-cased
    account_id: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
