"""Inputs for writing statuses."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chirp.core.openapi import MAYBE_ID, NOT_BLANK, constrain
from chirp.core.params import Flag, IdText

Visibility = Literal["public", "unlisted", "private", "direct"]


# Polls and scheduled posts are refused (422) until they are built: documented as blank.
_UNSUPPORTED = {
    "anyOf": [
        {"type": "null"},
        {"type": "object", "maxProperties": 0},
        {"type": "string", "maxLength": 0},
    ]
}


class StatusCreate(BaseModel):
    # A status may also be media alone; the document asks for text (its length counts
    # links as 23 characters, as Mastodon's, so no maxLength can say it).
    model_config = ConfigDict(
        json_schema_extra=constrain(
            ("status",),
            status=NOT_BLANK,
            in_reply_to_id=MAYBE_ID,
            poll=_UNSUPPORTED,
            scheduled_at=_UNSUPPORTED,
        )
    )

    status: str = ""
    in_reply_to_id: str | None = None
    sensitive: Flag = False
    spoiler_text: str = Field(default="", max_length=1000)
    visibility: Visibility | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    media_ids: list[IdText] = Field(default_factory=list, max_length=4)
    scheduled_at: str | None = None
    poll: dict[str, object] | None = None


class StatusEdit(BaseModel):
    model_config = ConfigDict(
        json_schema_extra=constrain(
            ("status",),
            status=NOT_BLANK,
            poll=_UNSUPPORTED,
        )
    )

    status: str = ""
    sensitive: Flag = False
    spoiler_text: str = Field(default="", max_length=1000)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    media_ids: list[IdText] = Field(default_factory=list, max_length=4)
    poll: dict[str, object] | None = None


class ReblogCreate(BaseModel):
    visibility: Literal["public", "unlisted", "private"] = "public"
