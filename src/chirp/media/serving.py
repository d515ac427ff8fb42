"""Serving stored files the way a CDN origin should: at immutable content-addressed URLs, cached
for a year, with the content hash as ETag, byte ranges, and headers that stop a browser from
treating a file as anything but the image it is. deploy/nginx.conf serves the same files with
the same headers without reaching the app."""

from __future__ import annotations

import asyncio
import re

from fastapi import Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from chirp.core.errors import NotFound
from chirp.media.processing import CONTENT_TYPES
from chirp.media.storage import Storage

CACHE_FOREVER = "public, max-age=31536000, immutable"
HEADERS = {
    "Cache-Control": CACHE_FOREVER,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "Access-Control-Allow-Origin": "*",  # web clients draw images on canvases
}
_KEY = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{2})/(([0-9a-f]{64})\.(jpg|png|webp))$")


async def serve(storage: Storage, request: Request, key: str) -> Response:
    match = _KEY.match(key)
    if match is None or match[4][:4] != match[1] + match[2]:
        raise NotFound()
    etag = f'"{match[4]}"'
    path = storage.local_path(key)
    if path is None:  # another backend: its public URL, forever (the content never changes)
        url = storage.public_url(key)
        assert url is not None
        return RedirectResponse(url, status_code=301, headers={"Cache-Control": CACHE_FOREVER})
    if not await asyncio.to_thread(path.is_file):
        raise NotFound()
    if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers={**HEADERS, "ETag": etag})
    return FileResponse(path, media_type=CONTENT_TYPES[match[5]], headers={**HEADERS, "ETag": etag})
