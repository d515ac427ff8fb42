"""The MediaAttachment entity as Mastodon documents it, and the inputs that describe media."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, field_validator

from chirp.media.models import READY, MediaAttachment

MAX_DESCRIPTION = 1500
# A focus coordinate from -1.0 to 1.0; "x,y" (an empty focus is none). The same rule reads
# a focus and documents it, so what the OpenAPI document allows is what is accepted.
_COORDINATE = r"-?(?:1(?:\.0+)?|0?\.[0-9]+|0)"
FOCUS = re.compile(rf"{_COORDINATE},{_COORDINATE}")


class MediaDescribe(BaseModel):
    """``description`` and ``focus`` ("x,y", each from -1.0 to 1.0), on upload or update."""

    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    focus: str | None = Field(default=None, json_schema_extra={"pattern": f"^$|^{FOCUS.pattern}$"})

    @field_validator("focus")
    @classmethod
    def _check_focus(cls, value: str | None) -> str | None:
        if value:
            parse_focus(value)
        return value or None


def parse_focus(value: str) -> tuple[float, float]:
    if not FOCUS.fullmatch(value):
        raise ValueError("must be two numbers between -1.0 and 1.0, x,y")
    x, y = (float(part) for part in value.split(","))
    return x, y


def media_url(base_url: str, key: str) -> str:
    return f"{base_url}/media/{key}"


def attachment_public(media: MediaAttachment, base_url: str) -> dict[str, Any]:
    url = preview = None
    if media.state == READY and media.file_key and media.preview_key:
        url, preview = media_url(base_url, media.file_key), media_url(base_url, media.preview_key)
    meta: dict[str, Any] = {
        name: _size(dims["width"], dims["height"]) for name, dims in (media.meta or {}).items()
    }
    meta["focus"] = {"x": media.focus_x, "y": media.focus_y}
    return {
        "id": str(media.id),
        "type": media.type,
        "url": url,
        "preview_url": preview,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description or None,
        "blurhash": media.blurhash,
    }


def _size(width: int, height: int) -> dict[str, Any]:
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}
