"""Media routes: uploads, one's media, and the files themselves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import JSONResponse, Response

from chirp.core.auth import Bearer
from chirp.core.openapi import doc
from chirp.core.params import parse, read_params
from chirp.core.shapes import MediaAttachment
from chirp.deps import get_runtime, user
from chirp.media import service, serving, uploads
from chirp.media.platform import MediaPlatform
from chirp.media.schemas import MediaDescribe

RuntimeDep = Annotated[MediaPlatform, Depends(get_runtime)]
router = APIRouter(tags=["media"])
MediaWriter = Annotated[Bearer, Security(user("write:media"))]


async def _upload(
    request: Request, rt: RuntimeDep, bearer: Bearer, wait: float | None
) -> JSONResponse:
    assert bearer.account_id is not None
    received = await uploads.receive(
        request, rt.media.staging, frozenset({"file"}), rt.settings.media_max_bytes
    )
    code, entity = await service.upload(rt, bearer.account_id, received, wait=wait)
    return JSONResponse(entity, status_code=code)


@router.post(
    "/api/v2/media",
    **doc(MediaAttachment, takes=MediaDescribe, files=("file",), also={202: MediaAttachment}),
)
async def upload_v2(request: Request, rt: RuntimeDep, bearer: MediaWriter) -> JSONResponse:
    """Upload an image; 200 when processed in time, else 202 with ``url: null`` until it is."""
    return await _upload(request, rt, bearer, rt.settings.media_sync_wait)


@router.post("/api/v1/media", **doc(MediaAttachment, takes=MediaDescribe, files=("file",)))
async def upload_v1(request: Request, rt: RuntimeDep, bearer: MediaWriter) -> JSONResponse:
    """Upload an image and wait for it to be processed."""
    return await _upload(request, rt, bearer, None)


@router.get("/api/v1/media/{media_id}", **doc(MediaAttachment, also={206: MediaAttachment}))
async def get_media(rt: RuntimeDep, bearer: MediaWriter, media_id: str) -> JSONResponse:
    """One's own upload: 206 while processing, 200 when ready."""
    assert bearer.account_id is not None
    code, entity = await service.show(rt, bearer.account_id, media_id)
    return JSONResponse(entity, status_code=code)


@router.put("/api/v1/media/{media_id}", **doc(MediaAttachment, takes=MediaDescribe))
async def update_media(
    request: Request, rt: RuntimeDep, bearer: MediaWriter, media_id: str
) -> dict[str, Any]:
    """Change the description or focus point of an upload not yet attached."""
    assert bearer.account_id is not None
    change = parse(MediaDescribe, await read_params(request))
    return await service.describe(rt, bearer.account_id, media_id, change)


@router.api_route("/media/{key:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def media_file(request: Request, rt: RuntimeDep, key: str) -> Response:
    return await serving.serve(rt.media.storage, request, key)
