"""Inputs for graph actions."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FollowOptions(BaseModel):
    reblogs: bool | None = None
    notify: bool | None = None
    languages: list[str] | None = None


class MuteOptions(BaseModel):
    notifications: bool = True
    duration: int = Field(default=0, ge=0, le=10 * 365 * 86400)
