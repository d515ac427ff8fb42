"""Who is calling and what they may do: the principal every route checks.

A ``Bearer`` is what a request's access token resolved to (``chirp.oauth`` issues and
resolves tokens); ``grants`` answers Mastodon's scope rules. Both live here, below every
context, because every context's routes ask these two questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.types import Scope

_FOLLOW_GRANTS = frozenset(
    f"{mode}:{what}" for mode in ("read", "write") for what in ("follows", "blocks", "mutes")
)


@dataclass(frozen=True, slots=True)
class Bearer:
    """What a request's token allows: resolved once per request."""

    token_id: int
    app_id: int
    account_id: int | None
    scopes: frozenset[str]


def grants(held: frozenset[str], wanted: str) -> bool:
    """Whether holding ``held`` allows an action that needs ``wanted``. A top-level scope
    (``read``) grants its sub-scopes (``read:statuses``); the deprecated ``follow`` grants
    reading and writing follows, blocks and mutes, as in Mastodon."""
    if wanted in held:
        return True
    parts = wanted.split(":")
    # admin:read:accounts is granted by admin:read; read:statuses by read.
    for cut in range(len(parts) - 1, 0, -1):
        if ":".join(parts[:cut]) in held:
            return True
    return "follow" in held and wanted in _FOLLOW_GRANTS


def presented_token(scope: Scope, query: dict[str, str] | None = None) -> str | None:
    """The access token a request presents: ``Authorization: Bearer``, else the
    ``access_token`` query parameter (browsers' event streams cannot set headers). ``query``:
    the query string already read, if the caller has it."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            header: str = value.decode("latin-1")
            scheme, _, credentials = header.partition(" ")
            if scheme.lower() == "bearer" and credentials:
                return credentials
            break
    if query is None:
        raw = scope["query_string"]
        if b"access_token=" not in raw:
            return None
        query = dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
    token = query.get("access_token")
    return token or None
