"""Bearer secrets that route to their shard, and the digests they are stored as.

A secret is ``<3 hex digits of logical shard><43 url-safe chars of 256 random bits>``. The
prefix lets any process find the row's database with no lookup; only the SHA-256 digest of the
whole string is stored, so a copy of the database yields no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from chirp.core.ids import SHARD_COUNT

_PREFIX = 3
_HEX = re.compile(r"[0-9a-f]{3}")


def mint(shard: int) -> str:
    return f"{shard:03x}{secrets.token_urlsafe(32)}"


def shard_of(secret: str) -> int | None:
    """The shard a presented secret routes to, or None when it cannot be one of ours."""
    if len(secret) != _PREFIX + 43 or not _HEX.fullmatch(secret[:_PREFIX]):
        return None
    shard = int(secret[:_PREFIX], 16)
    return shard if shard < SHARD_COUNT else None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
