"""Inputs for graph actions."""

from __future__ import annotations

from pydantic import BaseModel, Field

from chirp.core.params import Count, Flag


class FollowOptions(BaseModel):
    reblogs: Flag | None = None
    notify: Flag | None = None
    languages: list[str] | None = None


class MuteOptions(BaseModel):
    notifications: Flag = True
    duration: Count = Field(default=0, ge=0, le=10 * 365 * 86400)
