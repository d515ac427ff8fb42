"""Who is calling and what they may do: the principal every route checks.

A ``Bearer`` is what a request's access token resolved to (``chirp.oauth`` issues and
resolves tokens); ``grants`` answers Mastodon's scope rules. Both live here, below every
context, because every context's routes ask these two questions.
"""

from __future__ import annotations

from dataclasses import dataclass

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
