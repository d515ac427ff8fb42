"""Mastodon's OAuth scopes and what each grants.

A top-level scope (``read``) grants all its sub-scopes (``read:statuses``); the deprecated
``follow`` scope grants reading and writing follows, blocks and mutes, as in Mastodon.
"""

from __future__ import annotations

from chirp.core.auth import grants

_READ = (
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
)
_WRITE = (
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
)
_ADMIN_READ = (
    "accounts",
    "reports",
    "domain_allows",
    "domain_blocks",
    "ip_blocks",
    "email_domain_blocks",
    "canonical_email_blocks",
)
_ADMIN_WRITE = _ADMIN_READ

TOP_LEVEL = ("read", "write", "follow", "push", "profile")
ALL_SCOPES: frozenset[str] = frozenset(
    [*TOP_LEVEL, "admin:read", "admin:write"]
    + [f"read:{s}" for s in _READ]
    + [f"write:{s}" for s in _WRITE]
    + [f"admin:read:{s}" for s in _ADMIN_READ]
    + [f"admin:write:{s}" for s in _ADMIN_WRITE]
)
DEFAULT = "read"


class InvalidScope(ValueError):
    pass


def parse(raw: str | None, *, default: str = DEFAULT) -> frozenset[str]:
    """Scopes from a space- (or, as some clients send, comma-/plus-) separated string."""
    text = (raw or "").replace(",", " ").replace("+", " ").strip() or default
    scopes = frozenset(text.split())
    unknown = scopes - ALL_SCOPES
    if unknown:
        raise InvalidScope(f"unknown scope: {', '.join(sorted(unknown))}")
    return scopes


def render(scopes: frozenset[str]) -> str:
    order = {name: i for i, name in enumerate(TOP_LEVEL)}
    return " ".join(sorted(scopes, key=lambda s: (order.get(s, len(order)), s)))


def covers(held: frozenset[str], wanted: frozenset[str]) -> bool:
    return all(grants(held, scope) for scope in wanted)
