"""Opening streams: finding the token as Mastodon's streaming server does, and checking it."""

from __future__ import annotations

from collections.abc import Mapping

from chirp.core.auth import Bearer
from chirp.streaming.channels import StreamError, check_access, resolve
from chirp.streaming.connection import Connection
from chirp.streaming.platform import StreamingPlatform


def presented_token(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The ``Authorization`` header, else the ``access_token`` parameter, else (WebSocket
    clients in browsers cannot set headers) the ``Sec-WebSocket-Protocol`` header."""
    authorization = headers.get("authorization")
    if authorization:
        return authorization.removeprefix("Bearer ").strip() or None
    return query.get("access_token") or websocket_protocol(headers)


def websocket_protocol(headers: Mapping[str, str]) -> str | None:
    offered = headers.get("sec-websocket-protocol", "")
    return offered.split(",")[0].strip() or None


async def authenticate(rt: StreamingPlatform, presented: str | None) -> Bearer | None:
    """The token's bearer; None without a token. A token that is unknown, revoked or not a
    user's is refused (Mastodon's streaming server looks tokens up through their user)."""
    if presented is None:
        return None
    bearer = await rt.tokens.resolve(presented, rt.uow)
    if bearer is None or bearer.account_id is None:
        raise StreamError(401, "Invalid access token")
    return bearer


async def subscribe(conn: Connection, name: str, params: Mapping[str, str]) -> None:
    """Add the stream ``name`` to the connection, or raise the streaming server's error."""
    check_access(name, conn.bearer, conn.rt.settings)
    await conn.add(resolve(name, params, conn.bearer))


async def unsubscribe(conn: Connection, name: str, params: Mapping[str, str]) -> None:
    check_access(name, conn.bearer, conn.rt.settings)
    await conn.remove(resolve(name, params, conn.bearer))


async def open_stream(
    rt: StreamingPlatform,
    transport: str,
    name: str,
    params: Mapping[str, str],
    presented: str | None,
) -> Connection:
    """A connection holding the one stream an SSE request names."""
    bearer = await authenticate(rt, presented)
    check_access(name, bearer, rt.settings)
    stream = resolve(name, params, bearer)
    conn = Connection(rt, bearer, transport)
    try:
        await conn.add(stream)
    except BaseException:
        await conn.close()
        raise
    return conn
