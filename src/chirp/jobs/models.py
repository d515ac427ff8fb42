"""The outbox and the dead letters. Both live on every shard database: an event is written on
the database of the change that caused it, in the same transaction, so one commits with the
other or neither does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chirp.db.base import Base, Snowflake, UTCDateTime


class OutboxEvent(Base):
    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_available_at_id", "available_at", "id"),)

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Claimed rows are leased by moving this forward; a crashed claimer's lease runs out.
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeadJob(Base):
    """A job that failed every try; an operator lists and replays it with `chirp jobs`."""

    __tablename__ = "dead_job"

    id: Mapped[int] = mapped_column(Snowflake, primary_key=True)  # the event's id
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
