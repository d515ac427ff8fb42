"""The hot routes, answered ahead of the FastAPI application.

``GET /api/v1/timelines/home``, ``/timelines/public``, ``/timelines/tag/:tag``,
``/accounts/:id/statuses`` and ``/statuses/:id`` are what clients read again and again. This
ASGI layer answers a request for them itself when everything it asks is plain (a token
already resolved in this process, the parameters a client usually sends) and the hot store
can answer (``chirp.hotpath.pages``). Anything else goes on to FastAPI's routes, unchanged:
a token to look up, a bad parameter (its 422), a missing scope (its 403), a page the hot
store cannot answer. So every error, and every page the hot path does not hold, is the
database path's own; the hot path only ever answers 200 with the same bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from chirp.core import keys
from chirp.core.auth import Bearer, grants, presented_token
from chirp.core.errors import APIError
from chirp.core.ids import parse_id
from chirp.core.pagination import Page, link_base, links_from, public_url, read_page
from chirp.hotpath import pages
from chirp.hotpath.platform import HotPlatform
from chirp.tags.service import normalize

log = structlog.get_logger(__name__)
Params = dict[str, str]
Answer = tuple[bytes, list[int] | None]  # the body; the ids it pages by (None: no Link)
JSON_HEADERS = [(b"content-type", b"application/json")]
_TRUE = frozenset(("1", "on", "t", "true", "y", "yes"))
_FALSE = frozenset(("0", "off", "f", "false", "n", "no"))
_TAG_FILTERS = frozenset(("any[]", "all[]", "none[]"))
BASES = 10_000  # link bases kept


@dataclass(frozen=True, slots=True)
class _Template:
    """Stands for the route in ``scope["route"]``, for the access log and metrics."""

    path: str


class _Plain(Exception):
    """The request is not one the hot path answers as it is: FastAPI's routes will."""


class HotFront:
    def __init__(self, app: ASGIApp, rt: HotPlatform) -> None:
        self.app = app
        self.rt = rt
        self._hot = rt.metrics.hot_reads.labels("hot")
        self._database = rt.metrics.hot_reads.labels("database")
        self._bases: dict[tuple[Any, ...], str] = {}

    def _link_base(self, scope: Scope) -> str:
        """The request's URL on the configured base URL (never the Host header's: see
        ``public_url``) without paging parameters: the same for every page a client reads of
        one timeline, so it is worked out once."""
        key = (scope["path"], scope["query_string"])
        base = self._bases.get(key)
        if base is None:
            if len(self._bases) > BASES:
                self._bases.clear()
            path = key[0].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
            url = public_url(self.rt.settings.public_url, path, key[1].decode("latin-1"))
            base = self._bases[key] = link_base(url)
        return base

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.rt.hot.enabled:
            await self.app(scope, receive, send)
            return
        found = _route(scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        template, handler, arg = found
        try:
            answer = await handler(self.rt, scope, _params(scope), arg)
        except (_Plain, APIError):
            answer = None
        except Exception:  # the database path answers; the hot path must never fail one
            log.warning("hot_path_failed", path=template.path, exc_info=True)
            answer = None
        if answer is None:
            self._database.inc()
            await self.app(scope, receive, send)
            return
        self._hot.inc()
        scope["route"] = template
        body, ids = answer
        headers = [(b"content-length", str(len(body)).encode()), *JSON_HEADERS]
        if ids:
            link = links_from(self._link_base(scope), ids[0], ids[-1])
            headers.append((b"link", link.encode("latin-1")))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


Handler = Callable[[HotPlatform, Scope, Params, str], Awaitable[Answer | None]]


def _params(scope: Scope) -> Params:
    """The query string as FastAPI reads single values (the last of a repeated key)."""
    raw = scope["query_string"]
    return dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True)) if raw else {}


def _flag(params: Params, name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _Plain()  # FastAPI's 422


async def _viewer(
    rt: HotPlatform, scope: Scope, params: Params
) -> tuple[int | None, frozenset[str]]:
    """The token's account and scopes (no token: an anonymous reader), resolved through the
    same cache as FastAPI's routes; a token that is not valid goes to FastAPI (its 401)."""
    bearer: Bearer | None = scope.get("state", {}).get("bearer")  # resolved by the rate limits
    if bearer is not None:
        return bearer.account_id, bearer.scopes
    presented = presented_token(scope, params)
    if presented is None:
        return None, frozenset()
    bearer = await bearer_of(rt, presented)
    if bearer is None:
        raise _Plain()
    return bearer.account_id, bearer.scopes


async def bearer_of(rt: HotPlatform, presented: str) -> Bearer | None:
    """A presented token's bearer: from this process's token cache, else read from the
    database within the hot path's own request slots."""
    bearer = rt.tokens.get(keys.digest(presented))
    if bearer is None:
        async with rt.hot.slot():
            bearer = await rt.tokens.resolve(presented, rt.uow)
    return bearer


def _page(params: Params) -> Page:
    return read_page(
        params.get("max_id"), params.get("since_id"), params.get("min_id"), params.get("limit")
    )


async def _home(rt: HotPlatform, scope: Scope, params: Params, _: str) -> Answer | None:
    viewer, scopes = await _viewer(rt, scope, params)
    if viewer is None or not grants(scopes, "read:statuses"):
        return None  # FastAPI's 401, 403 or 422
    page = _page(params)
    # The first slice of the viewer's feed comes in the sync's own round trip.
    first = pages.first_slice(page)
    ok, found = await rt.hot.changes.sync(
        rt.feeds.ride(rt.feed_reader.key(rt.home.name, viewer), first)
    )
    if not ok:
        return None
    return await pages.home(rt, viewer, page, found)


async def _public(rt: HotPlatform, scope: Scope, params: Params, _: str) -> Answer | None:
    viewer, _scopes = await _viewer(rt, scope, params)
    _flag(params, "local")  # every status here is local: the same page either way
    if _flag(params, "remote") or _flag(params, "only_media"):
        return None
    page = _page(params)
    if not (await rt.hot.changes.sync())[0]:
        return None
    return await pages.public(rt, viewer, page)


async def _hashtag(rt: HotPlatform, scope: Scope, params: Params, raw: str) -> Answer | None:
    viewer, _scopes = await _viewer(rt, scope, params)
    _flag(params, "local")
    if _flag(params, "remote") or _flag(params, "only_media") or _TAG_FILTERS & params.keys():
        return None  # the database path combines tags and media
    tag = normalize(raw)
    page = _page(params)
    if not (await rt.hot.changes.sync())[0]:
        return None
    return await pages.hashtag(rt, viewer, tag, page)


async def _account(rt: HotPlatform, scope: Scope, params: Params, raw: str) -> Answer | None:
    viewer, _scopes = await _viewer(rt, scope, params)
    if _flag(params, "only_media") or _flag(params, "pinned") or params.get("tagged"):
        return None
    exclude_replies, exclude_reblogs = (
        _flag(params, "exclude_replies"),
        _flag(params, "exclude_reblogs"),
    )
    owner = parse_id(raw)
    if owner is None:
        return None
    page = _page(params)
    if not (await rt.hot.changes.sync())[0]:
        return None
    return await pages.account(
        rt, viewer, owner, page, exclude_replies=exclude_replies, exclude_reblogs=exclude_reblogs
    )


async def _status(rt: HotPlatform, scope: Scope, params: Params, raw: str) -> Answer | None:
    viewer, _scopes = await _viewer(rt, scope, params)
    status_id = parse_id(raw)
    if status_id is None:
        return None
    if not (await rt.hot.changes.sync())[0]:
        return None
    body = await pages.status(rt, viewer, status_id)
    return None if body is None else (body, None)


_EXACT: dict[str, tuple[_Template, Handler]] = {
    "/api/v1/timelines/home": (_Template("/api/v1/timelines/home"), _home),
    "/api/v1/timelines/public": (_Template("/api/v1/timelines/public"), _public),
}
_TAG = _Template("/api/v1/timelines/tag/{hashtag}")
_ACCOUNT = _Template("/api/v1/accounts/{account_id}/statuses")
_STATUS = _Template("/api/v1/statuses/{status_id}")


def _route(path: str) -> tuple[_Template, Handler, str] | None:
    exact = _EXACT.get(path)
    if exact is not None:
        return exact[0], exact[1], ""
    parts = path.split("/")
    # ["", "api", "v1", ...]
    if len(parts) == 5 and parts[3] == "statuses" and parts[1:3] == ["api", "v1"] and parts[4]:
        return _STATUS, _status, parts[4]
    if (
        len(parts) == 6
        and parts[3] == "accounts"
        and parts[5] == "statuses"
        and parts[1:3] == ["api", "v1"]
        and parts[4]
    ):
        return _ACCOUNT, _account, parts[4]
    if len(parts) == 6 and parts[3:5] == ["timelines", "tag"] and parts[1:3] == ["api", "v1"]:
        return (_TAG, _hashtag, parts[5]) if parts[5] else None
    return None
