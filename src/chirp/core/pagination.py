"""Mastodon's id paging: ``max_id``, ``since_id``, ``min_id``, ``limit`` and the Link header.

``max_id`` pages back (older), ``since_id`` bounds from below and still returns the newest,
``min_id`` returns the items just after it (oldest first, then shown newest first). The Link
header carries ``rel="next"`` (``max_id`` of the last item) and ``rel="prev"`` (``min_id`` of the
first), which is what Mastodon.py's ``fetch_next`` / ``fetch_previous`` follow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import QueryableAttribute
from starlette.datastructures import URL

from chirp.core.errors import Unprocessable
from chirp.core.ids import MAX_ID
from chirp.core.responses import JSON


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=_HasId)
S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True, slots=True)
class Page:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20

    @property
    def ascending(self) -> bool:
        """True when the page is read upwards from ``min_id`` (then reversed)."""
        return self.min_id is not None

    def admits(self, item_id: int) -> bool:
        if self.max_id is not None and item_id >= self.max_id:
            return False
        if self.since_id is not None and item_id <= self.since_id:
            return False
        return not (self.min_id is not None and item_id <= self.min_id)

    def apply(self, query: S, column: ColumnElement[int] | QueryableAttribute[int]) -> S:
        """Bound and order a query by ``column`` (an id) for this page."""
        if self.max_id is not None:
            query = query.where(column < self.max_id)
        if self.since_id is not None:
            query = query.where(column > self.since_id)
        if self.min_id is not None:
            query = query.where(column > self.min_id)
        order = column.asc() if self.ascending else column.desc()
        return query.order_by(order).limit(self.limit)

    def take(self, rows: Iterable[R]) -> list[R]:
        """This page of rows (anything with an ``id``) read from several databases."""
        by_id = {row.id: row for row in rows}
        return [by_id[i] for i in self.pick(list(by_id))]

    def pick(self, ids: Sequence[int]) -> list[int]:
        """This page's ids from candidates in any order, newest first."""
        admitted = sorted((i for i in set(ids) if self.admits(i)), reverse=not self.ascending)
        chosen = admitted[: self.limit]
        return sorted(chosen, reverse=True)


_LIMIT = re.compile(r"[0-9]{1,9}")
# What the paging parameters accept, as the OpenAPI document says it (an empty value is
# no value).
ID_PATTERN = "^[0-9]{0,19}$"
LIMIT_PATTERN = "^[0-9]{0,9}$"


def _id_param(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not re.fullmatch(r"[0-9]{1,19}", value):
        raise Unprocessable(
            f"Validation failed: {name} must be an id",
            details={name: [{"error": "ERR_INVALID", "description": "must be an id"}]},
        )
    return min(int(value), MAX_ID)


def read_page(
    max_id: str | None,
    since_id: str | None,
    min_id: str | None,
    limit: str | None,
    default: int = 20,
    maximum: int = 40,
) -> Page:
    """The paging parameters as Mastodon reads them, with its per-endpoint limits."""
    count = default
    if limit:
        if not _LIMIT.fullmatch(limit):  # digits only: int() would take " 5", "-5", "1_0"
            raise Unprocessable("Validation failed: limit must be a number")
        count = int(limit)
    return Page(
        max_id=_id_param(max_id, "max_id"),
        since_id=_id_param(since_id, "since_id"),
        min_id=_id_param(min_id, "min_id"),
        limit=max(1, min(count, maximum)),
    )


def paging(default: int = 20, maximum: int = 40) -> Any:
    """A dependency reading the paging parameters, with Mastodon's per-endpoint limits."""

    def read(
        max_id: Annotated[str | None, Query(json_schema_extra={"pattern": ID_PATTERN})] = None,
        since_id: Annotated[str | None, Query(json_schema_extra={"pattern": ID_PATTERN})] = None,
        min_id: Annotated[str | None, Query(json_schema_extra={"pattern": ID_PATTERN})] = None,
        limit: Annotated[str | None, Query(json_schema_extra={"pattern": LIMIT_PATTERN})] = None,
    ) -> Page:
        return read_page(max_id, since_id, min_id, limit, default, maximum)

    return Depends(read)


def paged(request: Request, items: list[Any], ids: list[int]) -> JSONResponse:
    """A JSON list with Mastodon's Link header; ``ids`` are the paging ids of ``items``."""
    headers = {}
    link = link_header(request, ids[0] if ids else None, ids[-1] if ids else None)
    if link:
        headers["Link"] = link
    return JSON(items, headers=headers)


def paged_statuses(request: Request, statuses: list[dict[str, Any]]) -> JSONResponse:
    return paged(request, statuses, [int(s["id"]) for s in statuses])


def paged_pairs(request: Request, pairs: Sequence[tuple[int, Any]]) -> JSONResponse:
    """Items paged by ids that are not their own (a favourite's id for its account). An item
    of None was read but may not be shown: it is left out, yet still bounds the Link header,
    so a page whose rows were all filtered out does not end a client's paging."""
    shown = [item for _, item in pairs if item is not None]
    return paged(request, shown, [i for i, _ in pairs])


def link_header(request: Request, first_id: int | None, last_id: int | None) -> str | None:
    """``next`` / ``prev`` links for a page whose items run from ``first_id`` to ``last_id``."""
    url = public_url(request.app.state.public_url, request.url.path, request.url.query)
    return links(url, first_id, last_id)


def public_url(base: str, path: str, query: str) -> URL:
    """The request's URL on the server's configured base URL (``CHIRP_BASE_URL``): never on
    the Host header's, which names whatever host the client likes (``Host: evil.example``
    would otherwise send a client's next page there)."""
    return URL(f"{base}{path}?{query}" if query else f"{base}{path}")


def links(url: URL, first_id: int | None, last_id: int | None) -> str | None:
    """The Link header of ``link_header``, for the request at ``url``."""
    if first_id is None or last_id is None:
        return None
    return links_from(link_base(url), first_id, last_id)


def link_base(url: URL) -> str:
    """``url`` without its paging parameters, ready for one: what every link starts with."""
    base = str(url.remove_query_params(["max_id", "since_id", "min_id"]))
    return base + ("&" if "?" in base else "?")


def links_from(base: str, first_id: int, last_id: int) -> str:
    next_url = f"{base}{urlencode({'max_id': last_id})}"
    prev_url = f"{base}{urlencode({'min_id': first_id})}"
    return f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'
