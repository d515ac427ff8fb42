"""Streaming routes: Mastodon's server-sent event streams, its WebSocket, and the health check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, WebSocket
from fastapi.responses import PlainTextResponse

from chirp.deps import get_runtime
from chirp.streaming import service, websocket
from chirp.streaming.channels import StreamError, with_media
from chirp.streaming.platform import StreamingPlatform
from chirp.streaming.sse import HEADERS, EventStreamResponse

RuntimeDep = Annotated[StreamingPlatform, Depends(get_runtime)]
router = APIRouter(prefix="/api/v1/streaming", tags=["streaming"])

# Path under /api/v1/streaming -> stream name, and what each carries.
SSE_STREAMS = {
    "user": ("user", "The viewer's home timeline updates and notifications."),
    "user/notification": ("user:notification", "The viewer's notifications."),
    "public": ("public", "Public statuses (only_media=true: media only)."),
    "public/local": ("public:local", "Public statuses of this server."),
    "public/remote": ("public:remote", "Public statuses of other servers (none: no federation)."),
    "hashtag": ("hashtag", "Public statuses with the hashtag ?tag=."),
    "hashtag/local": ("hashtag:local", "This server's public statuses with the hashtag ?tag=."),
    "direct": ("direct", "Conversations (quiet until conversations exist)."),
    "list": ("list", "A list's statuses (lists do not exist yet)."),
}


@router.get("/health", response_class=PlainTextResponse)
async def health() -> PlainTextResponse:
    """The streaming API is up."""
    return PlainTextResponse("OK", headers=HEADERS)


def _sse_route(name: str) -> Callable[[Request, RuntimeDep], Awaitable[EventStreamResponse]]:
    async def stream(request: Request, rt: RuntimeDep) -> EventStreamResponse:
        params = request.query_params
        wanted = with_media(name, params) if name.startswith("public") else name
        presented = service.presented_token(request.headers, params)
        conn = await service.open_stream(rt, "sse", wanted, params, presented)
        return EventStreamResponse(conn)

    return stream


for _path, (_name, _summary) in SSE_STREAMS.items():
    router.add_api_route(
        f"/{_path}",
        _sse_route(_name),
        methods=["GET"],
        summary=_summary,
        response_class=EventStreamResponse,
        status_code=200,  # the class takes no status_code, so OpenAPI cannot infer one
        name=f"stream_{_name.replace(':', '_')}",
    )


@router.get("", include_in_schema=False)
@router.get("/{unknown:path}", include_in_schema=False)
async def unknown_stream() -> None:
    raise StreamError(400, "Unknown channel requested")


@router.websocket("")
@router.websocket("/")
async def websocket_stream(ws: WebSocket) -> None:
    """Many streams over one WebSocket, with subscribe and unsubscribe messages."""
    await websocket.serve(ws, ws.app.state.runtime)
