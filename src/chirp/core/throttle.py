"""Rate limits: how many times a key (an IP, an email) may do something in a window.

Counted by the ``limits`` library in fixed windows, as Mastodon's rack-attack counts them:
in Redis on the scaled deployment, so every worker process and host shares one count (an
atomic INCR with an expiry per hit), and in this process on the embedded default. Rules are
written in the library's notation (``"25/5 minutes"``, ``"5 per 30 minutes"``) and come
from the settings; ``"0"`` or ``"off"`` turns one off.

A rule past its limit raises ``TooManyRequests``, which answers 429 with Mastodon's
``X-RateLimit-*`` headers (the reset as ISO 8601) and ``Retry-After``. If Redis cannot be
reached the hit is allowed and logged: a login must not fail because a counter could not be
read (rack-attack does the same).
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from chirp.config import LIMIT_OFF
from chirp.core.errors import TooManyRequests

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = structlog.get_logger(__name__)


@functools.lru_cache(maxsize=64)
def rule(text: str) -> RateLimitItem | None:
    """A setting's rule, or None where it is turned off; ValueError if it does not parse."""
    if text.strip().lower() in LIMIT_OFF:
        return None
    return parse(text)


class Throttle:
    def __init__(self, storage: Storage, *, enabled: bool = True) -> None:
        self._limiter = FixedWindowRateLimiter(storage)
        self.enabled = enabled

    @classmethod
    def build(
        cls, redis_url: str | None, redis: Redis | None, prefix: str, *, enabled: bool
    ) -> Throttle:
        if redis is None or not redis_url:
            return cls(MemoryStorage(), enabled=enabled)
        # On the runtime's own connection pool. One key per rule, key and window (a single
        # key's INCR and EXPIRE in one script): cluster-ready as it is.
        pool: Any = redis.connection_pool  # (limits types its options as scalars)
        storage = RedisStorage(
            "async+" + redis_url,
            implementation="redispy",
            key_prefix=f"{prefix}limits",
            connection_pool=pool,
        )
        return cls(storage, enabled=enabled)

    async def reset(self) -> None:
        """Forget every count (all rules, all keys)."""
        await self._limiter.storage.reset()

    async def hit(self, name: str, limit: RateLimitItem | None, key: str | None) -> None:
        """Count one more of ``name`` for ``key``; TooManyRequests past ``limit``."""
        if not self.enabled or limit is None or not key:
            return
        try:
            if await self._limiter.hit(limit, name, key):
                return
            stats = await self._limiter.get_window_stats(limit, name, key)
        except Exception:  # (the storage's errors have no common base) count nothing
            log.warning("rate_limit_unavailable", rule=name, exc_info=True)
            return
        log.warning("rate_limited", rule=name)
        raise Throttled(limit.amount, stats.reset_time)


def limit_headers(limit: int, remaining: int, reset: float) -> list[tuple[bytes, bytes]]:
    """Mastodon's ``X-RateLimit-*`` headers (the reset as ISO 8601, to the microsecond)."""
    return [
        (b"x-ratelimit-limit", str(limit).encode()),
        (b"x-ratelimit-remaining", str(max(0, remaining)).encode()),
        (b"x-ratelimit-reset", _iso(reset)),
    ]


def refused_headers(limit: int, reset: float, now: float) -> list[tuple[bytes, bytes]]:
    """What a 429 carries: the headers with nothing remaining, and ``Retry-After``."""
    retry = (b"retry-after", str(max(1, round(reset - now))).encode())
    return [*limit_headers(limit, 0, reset), retry]


@functools.lru_cache(maxsize=64)
def _iso(moment: float) -> bytes:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="microseconds").encode()


class Throttled(TooManyRequests):
    def __init__(self, limit: int, reset: float) -> None:
        super().__init__()
        self.limit = limit
        self.reset = reset

    def headers(self) -> dict[str, str] | None:
        headers = refused_headers(self.limit, self.reset, time.time())
        return {_SPELLED[name]: value.decode() for name, value in headers}


# The headers as Mastodon spells them (HTTP does not care; people reading them do).
_SPELLED = {
    b"x-ratelimit-limit": "X-RateLimit-Limit",
    b"x-ratelimit-remaining": "X-RateLimit-Remaining",
    b"x-ratelimit-reset": "X-RateLimit-Reset",
    b"retry-after": "Retry-After",
}
