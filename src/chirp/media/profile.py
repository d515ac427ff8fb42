"""Avatar and header uploads on ``PATCH /api/v1/accounts/update_credentials``: the same checks
and processing as any upload, cropped to Mastodon's sizes, stored content-addressed."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from chirp.core.params import merge_items, read_params
from chirp.media import uploads
from chirp.media.engine import discard
from chirp.media.platform import MediaPlatform
from chirp.media.service import process_now
from chirp.media.uploads import Received

SIZES = {"avatar": (400, 400), "header": (1500, 500)}


async def read_form(request: Request, rt: MediaPlatform) -> tuple[dict[str, Any], Received]:
    """The request's parameters, and its avatar and header files staged on disk."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return await read_params(request), Received()
    received = await uploads.receive(
        request, rt.media.staging, frozenset(SIZES), rt.settings.media_max_bytes
    )
    params: dict[str, Any] = {}
    try:
        merge_items(params, [*request.query_params.multi_items(), *received.fields])
    except BaseException:
        received.discard()
        raise
    return params, received


async def store_images(rt: MediaPlatform, received: Received) -> dict[str, str]:
    """Process and store the staged images; their storage keys by name (avatar, header)."""
    keys: dict[str, str] = {}
    try:
        for name, staged in received.files.items():
            if staged.size == 0:
                continue
            processed = await process_now(rt, staged.path, rt.media.limits(crop=SIZES[name]))
            discard(processed.preview.path)  # profiles show the one cropped image
            original = processed.original
            try:
                await rt.media.storage.put(original.key, original.path, original.content_type)
            finally:  # a stored file was moved away; this is what a failure left
                discard(original.path)
            keys[name] = original.key
    finally:
        received.discard()
    return keys
