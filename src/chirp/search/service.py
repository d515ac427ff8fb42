"""Search use cases: accounts by username and display name, hashtags by prefix, statuses by
their words, each across every shard at once and limited to what the searcher may see."""

from __future__ import annotations

import re
from typing import Any

from chirp.accounts.schemas import account_public
from chirp.core.errors import APIError, Unauthorized
from chirp.core.ids import parse_id
from chirp.db.uow import UnitOfWork
from chirp.graph.platform import GraphPlatform
from chirp.graph.relations import Relations
from chirp.posts.views import StatusViews
from chirp.posts.visibility import Audience, can_see
from chirp.search.repository import SearchRepository, SearchScope
from chirp.search.schemas import SearchQuery
from chirp.tags import service as tags

WORDS = re.compile(r"\w+")
TAG = re.compile(r"^\w+$")
MAX_WORDS = 16
# Offsets page through at most this many results of a kind: each database is asked for
# offset + limit rows, so the window is what bounds the work.
MAX_WINDOW = 1000


class BadRequest(APIError):
    status_code = 400
    message = "Validation failed: q can't be blank"


async def search(rt: GraphPlatform, viewer_id: int | None, query: SearchQuery) -> dict[str, Any]:
    """``GET /api/v2/search``: accounts, hashtags and statuses (or one ``type`` of them)."""
    text = query.q.strip()
    if not text:
        raise BadRequest()
    if viewer_id is None and (query.offset or query.resolve):
        raise Unauthorized("Search queries with offset or resolve need a user token")
    kinds = [query.type] if query.type else ["accounts", "hashtags", "statuses"]
    found: dict[str, list[dict[str, Any]]] = {"accounts": [], "statuses": [], "hashtags": []}
    if query.offset + query.bounded_limit > MAX_WINDOW:
        return found
    async with rt.uow() as uow:
        relations = await Relations.of(rt, uow, viewer_id)
        if "accounts" in kinds:
            found["accounts"] = await _accounts(rt, uow, text, query, relations)
        if "hashtags" in kinds:
            found["hashtags"] = await _hashtags(rt, uow, text, query, viewer_id)
        if "statuses" in kinds:
            found["statuses"] = await _statuses(rt, uow, text, query, relations)
    return found


async def accounts(rt: GraphPlatform, viewer_id: int, query: SearchQuery) -> list[dict[str, Any]]:
    """``GET /api/v1/accounts/search``."""
    text = query.q.strip()
    if not text:
        raise BadRequest()
    if query.offset + query.bounded_limit > MAX_WINDOW:
        return []
    async with rt.uow() as uow:
        relations = await Relations.of(rt, uow, viewer_id)
        return await _accounts(rt, uow, text, query, relations)


def _hidden(relations: Relations) -> set[int]:
    """Accounts left out of every result: blocked either way, muted, or suspended."""
    hidden = relations.blocking | relations.blocked_by | relations.muting | relations.gone
    return hidden - {relations.viewer_id}


def _window(found: list[Any], query: SearchQuery) -> list[Any]:
    return found[query.offset : query.offset + query.bounded_limit]


async def _accounts(
    rt: GraphPlatform, uow: UnitOfWork, text: str, query: SearchQuery, relations: Relations
) -> list[dict[str, Any]]:
    # "@ann", "ann@our.domain": a username; other servers' accounts are not known here.
    username, _, domain = text.lstrip("@").partition("@")
    if domain and domain.lower() != rt.settings.domain:
        return []
    among = list(relations.following) if query.following else None
    if among is not None and not among:
        return []
    window = query.offset + query.bounded_limit
    rows = await SearchRepository(uow).accounts(
        username,
        username if domain or text.startswith("@") else text,
        window,
        among,
        _hidden(relations),
    )
    wanted = username.lower()
    rows.sort(key=lambda a: (a.username_key != wanted, -a.followers_count, a.id))
    return [account_public(a, rt.settings.public_url) for a in _window(rows, query)]


async def _hashtags(
    rt: GraphPlatform, uow: UnitOfWork, text: str, query: SearchQuery, viewer_id: int | None
) -> list[dict[str, Any]]:
    prefix = text.lstrip("#").lower()
    if not TAG.match(prefix) or len(prefix) > 100:
        return []
    uses: dict[str, int] = {}
    for name, count in await SearchRepository(uow).tags(prefix, query.offset + query.bounded_limit):
        uses[name] = uses.get(name, 0) + count
    # The exact tag first, even unused (a client may want to follow it), then the most used.
    uses.setdefault(_exact(prefix), 0)
    ranked = sorted(uses, key=lambda n: (n != prefix, -uses[n], n))
    return await tags.entities(rt, uow, _window([n for n in ranked if n], query), viewer_id)


def _exact(name: str) -> str:
    try:
        return tags.normalize(name)
    except APIError:  # a run of digits is not a tag
        return ""


async def _statuses(
    rt: GraphPlatform, uow: UnitOfWork, text: str, query: SearchQuery, relations: Relations
) -> list[dict[str, Any]]:
    words = WORDS.findall(text.lower())[:MAX_WORDS]
    author = parse_id(query.account_id) if query.account_id else None
    if not words or (query.account_id and author is None):
        return []
    # Silenced accounts reach only their followers, in search as in timelines.
    quiet = {a for a in relations.quiet if a not in relations.following}
    hidden = _hidden(relations) | (quiet - {relations.viewer_id})
    scope = SearchScope(relations.viewer_id, relations.following.keys(), hidden, author)
    rows = await SearchRepository(uow).statuses(words, scope, query.offset + query.bounded_limit)
    page = _window(sorted({s.id: s for s in rows}.values(), key=lambda s: -s.id), query)
    # The query already keeps to what the searcher may see; the rules that decide every
    # other route check the page again, so search can never be the one place that leaks.
    audience = await Audience.load(uow, page, relations)
    page = [s for s in page if can_see(s, relations, audience)]
    return await StatusViews.of(rt, uow, relations.viewer_id).render(page)
