"""Resolved bearer tokens, kept a few seconds per process.

Every API request resolves its token; from the database that costs a pooled connection and a
query, often more than the rest of a small request. The cache keeps what a *valid* token
resolved to (never a miss, so unknown tokens cannot fill it) for a short time, at most
``SIZE`` tokens, least recently used out first. It is keyed by the token's SHA-256 digest,
as the database is, so no bearer secret is kept in memory.

Revocation drops the entry at once in the revoking process and, when Redis is configured, in
every other process through a pub/sub message (``listen``). Without Redis, other worker
processes of the same server refuse a revoked token within ``TTL_ALONE`` seconds at the latest,
so entries live longer (``TTL_SHARED``) only where every process hears of a revocation: through
Redis, or because there is no other (the embedded default's one process). Short entries cost
more than a query now and then: every token a client presented in the same second expires in
the same second, and under a write load their next requests queue for a database slot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Set
from typing import Any

import structlog

from chirp.core import keys
from chirp.core.auth import Bearer
from chirp.core.lru import TtlLru
from chirp.db.uow import UnitOfWork
from chirp.oauth import tokens

log = structlog.get_logger(__name__)
TTL_SHARED = 60.0
TTL_ALONE = 10.0
SIZE = 50_000
CHANNEL = "chirp:oauth:revoked"
EVERYTHING = "*"


class TokenCache:
    def __init__(
        self,
        ttl: float | None = None,
        size: int = SIZE,
        clock: Callable[[], float] = time.monotonic,
        redis_url: str | None = None,
        only_process: bool = False,
    ) -> None:
        """``only_process``: no other process serves this database without Redis."""
        shared = redis_url or only_process
        self.ttl = ttl if ttl is not None else (TTL_SHARED if shared else TTL_ALONE)
        self.redis_url = redis_url
        self._entries: TtlLru[str, Bearer] = TtlLru(self.ttl, size, clock)
        self._redis: Any = None
        # Accounts whose tokens do not work while a moderator keeps them so (suspended or
        # disabled): chirp.accounts.standing's live set, given by the runtime.
        self.locked_out: Set[int] = frozenset()

    def get(self, digest: str) -> Bearer | None:
        bearer = self._entries.get(digest)
        if bearer is not None and bearer.account_id in self.locked_out:
            return None
        return bearer

    def put(self, digest: str, bearer: Bearer) -> None:
        self._entries.put(digest, bearer)

    def drop(self, digest: str) -> None:
        """Forget one token (by digest), or every token with ``EVERYTHING``."""
        if digest == EVERYTHING:
            self._entries.clear()
        else:
            self._entries.pop(digest)

    async def revoked(self, digest: str) -> None:
        """A token was revoked: forget it here, and tell every other process."""
        self.drop(digest)
        if self.redis_url is None:
            return
        try:
            await self._client().publish(CHANNEL, digest)
        except Exception:  # Redis down: the TTL still bounds how long others accept it
            log.warning("token_revocation_not_published", exc_info=True)

    async def listen(self) -> None:
        """Drop what other processes revoke, for as long as the server runs (a lifespan
        task); reconnects after a failure, forgetting everything meanwhile cached."""
        if self.redis_url is None:
            return
        while True:
            try:
                pubsub = self._client().pubsub()
                await pubsub.subscribe(CHANNEL)
                # Anything revoked while we were not subscribed must not stay cached.
                self.drop(EVERYTHING)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self.drop(message["data"].decode())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("token_revocation_listener_failed", exc_info=True)
                await asyncio.sleep(1)

    def _client(self) -> Any:
        if self._redis is None:
            import redis.asyncio

            assert self.redis_url is not None  # only called with Redis configured
            self._redis = redis.asyncio.Redis.from_url(self.redis_url)
        return self._redis

    async def resolve(self, presented: str, uow: Callable[[], UnitOfWork]) -> Bearer | None:
        """The presented token's bearer, from this cache or the database (and cached then);
        None when it is unknown or revoked, or its account is locked out."""
        digest = keys.digest(presented)
        bearer = self._entries.get(digest)
        if bearer is None:
            async with uow() as reading:
                bearer = await tokens.resolve(reading, presented)
            if bearer is None:
                return None
            self.put(digest, bearer)
        return None if bearer.account_id in self.locked_out else bearer

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
