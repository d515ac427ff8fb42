"""A media attachment lives on its uploader's shard (so with the statuses it is attached to).
Its files are content-addressed keys in the storage backend, shared by every row with the
same bytes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chirp.db.base import Base, Snowflake, UTCDateTime

PROCESSING, READY, FAILED = "processing", "ready", "failed"


class MediaAttachment(Base):
    __tablename__ = "media_attachment"
    __table_args__ = (
        # A page of statuses' attachments; unattached uploads by age for the cleanup.
        Index("ix_media_attachment_status_id_created_at", "status_id", "created_at"),
        # Is a stored file still used by anyone? (the orphan sweep)
        Index("ix_media_attachment_file_key", "file_key"),
        Index("ix_media_attachment_preview_key", "preview_key"),
    )

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    account_id: Mapped[int] = mapped_column(Snowflake)
    status_id: Mapped[int | None] = mapped_column(Snowflake)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in its status
    type: Mapped[str] = mapped_column(String(10), default="image")
    state: Mapped[str] = mapped_column(String(12), default=PROCESSING)
    file_key: Mapped[str | None] = mapped_column(String(100))
    preview_key: Mapped[str | None] = mapped_column(String(100))
    # {"original": {"width", "height"}, "small": {...}}: sizes of the stored files.
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    blurhash: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    focus_x: Mapped[float] = mapped_column(Float, default=0.0)
    focus_y: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
