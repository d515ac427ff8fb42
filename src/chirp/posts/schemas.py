"""Inputs for writing statuses."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Visibility = Literal["public", "unlisted", "private", "direct"]


class StatusCreate(BaseModel):
    status: str = ""
    in_reply_to_id: str | None = None
    sensitive: bool = False
    spoiler_text: str = Field(default="", max_length=1000)
    visibility: Visibility | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    media_ids: list[str] = Field(default_factory=list, max_length=4)
    scheduled_at: str | None = None
    poll: dict[str, object] | None = None


class StatusEdit(BaseModel):
    status: str = ""
    sensitive: bool = False
    spoiler_text: str = Field(default="", max_length=1000)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    media_ids: list[str] = Field(default_factory=list, max_length=4)
    poll: dict[str, object] | None = None


class ReblogCreate(BaseModel):
    visibility: Literal["public", "unlisted", "private"] = "public"
