"""The API-wide rate limits, Mastodon's (rack-attack's) rules and numbers, on every request
to ``/api/``: per token (300 per 5 minutes), per account (1,500), per address for requests
without an account (300; an IPv6 address counts as its /64), and per account for media
uploads and for deletions of statuses and reblogs (30 per 30 minutes each). Logins and
sign-ups have their own rules (``chirp.core.throttle``).

Every ``/api/`` response carries ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` for the
rule nearest its limit; past one, 429 with ``{"error": "Too many requests"}``. The path a
rule matches is normalised first (repeated and trailing slashes, case), so spelling a path
differently does not escape it; ``%2F`` arrives decoded already, and HEAD counts as any
other request. The address is the peer's, or ``X-Forwarded-For``'s when the peer is a
trusted proxy (uvicorn rewrites it only then: ``CHIRP_TRUSTED_PROXIES``).

What it costs the hot read path: on the scaled deployment the counts ride the round trip a
hot page makes anyway (``chirp.core.tallies``). A read (GET, HEAD) goes on while they are
counted and is held at its response until the counts are in; a write waits for them before
it runs, so a refused write does nothing. A key seen past its limit is refused at once for
the rest of its window, without counting: a flood costs one lookup per request.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chirp.config import Settings
from chirp.core.auth import Bearer
from chirp.core.tallies import Hit, Tally, window_end
from chirp.core.throttle import limit_headers, refused_headers, rule

log = structlog.get_logger(__name__)
Principal = Callable[[Scope], Awaitable[Bearer | None]]
_SLASHES = re.compile(r"/{2,}")
_MEDIA = re.compile(r"^/api/v\d+/media(/|$)")
_STATUS = re.compile(r"^/api/v1/statuses/[^/]+$")
_UNREBLOG = re.compile(r"^/api/v1/statuses/[^/]+/unreblog$")
_READS = frozenset(("GET", "HEAD"))
_TOO_MANY = orjson.dumps({"error": "Too many requests"})
REFUSED_KEPT = 100_000  # keys refused at once for the rest of their window


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    amount: int
    period: int  # seconds


def _limit(name: str, text: str) -> Limit | None:
    parsed = rule(text)
    return None if parsed is None else Limit(name, parsed.amount, parsed.get_expiry())


@dataclass(frozen=True, slots=True)
class Rules:
    token: Limit | None
    account: Limit | None
    ip: Limit | None
    media: Limit | None
    deletes: Limit | None

    @classmethod
    def of(cls, settings: Settings) -> Rules:
        return cls(
            _limit("api_token", settings.limit_api_token),
            _limit("api_account", settings.limit_api_account),
            _limit("api_ip", settings.limit_api_ip),
            _limit("media", settings.limit_media),
            _limit("deletes", settings.limit_deletes),
        )

    def matching(
        self, method: str, path: str, bearer: Bearer | None, ip: str | None
    ) -> list[tuple[Limit, str]]:
        """The rules this request counts against, each with the id it is counted by."""
        found: list[tuple[Limit, str]] = []
        if bearer is not None and self.token is not None:
            found.append((self.token, str(bearer.token_id)))
        account = bearer.account_id if bearer is not None else None
        if account is None:
            if self.ip is not None and ip is not None:
                found.append((self.ip, ip))
            return found
        if self.account is not None:
            found.append((self.account, str(account)))
        if method in _READS:
            return found
        if self.media is not None and method == "POST" and _MEDIA.match(path):
            found.append((self.media, str(account)))
        deleting = (method == "DELETE" and _STATUS.match(path)) or (
            method == "POST" and _UNREBLOG.match(path)
        )
        if self.deletes is not None and deleting:
            found.append((self.deletes, str(account)))
        return found


def normalized(path: str) -> str:
    """The path as the rules match it: one slash where several, none at the end, lower
    case (so ``/API/v1//media/`` is ``/api/v1/media``)."""
    found = _NORMALIZED.get(path)
    if found is None:
        if len(_NORMALIZED) > PATHS_KEPT:
            _NORMALIZED.clear()
        found = _NORMALIZED[path] = _SLASHES.sub("/", path).rstrip("/").lower() or "/"
    return found


PATHS_KEPT = 10_000
_NORMALIZED: dict[str, str] = {}


@functools.lru_cache(maxsize=10_000)
def address(host: str) -> str:
    """What an address is counted as: itself, or for IPv6 its /64 (one subscriber's)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimits:
    def __init__(
        self,
        app: ASGIApp,
        rules: Rules,
        tally: Tally,
        principal: Principal,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``principal``: the request's resolved token, or None (no token, or not valid:
        then it is counted by address, and the route answers 401)."""
        self.app = app
        self.rules = rules
        self.tally = tally
        self.principal = principal
        self.clock = clock
        self._refused: dict[str, int] = {}  # key past its limit: its window's end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = normalized(scope["path"])
        if not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        bearer = await self.principal(scope)
        client = scope.get("client")
        ip = address(client[0]) if client else None
        matched = self.rules.matching(method, path, bearer, ip)
        if not matched:
            await self.app(scope, receive, send)
            return
        now = self.clock()
        keys = [f"{limit.name}:{who}" for limit, who in matched]
        for (limit, _), key in zip(matched, keys, strict=True):
            ends = self._refused.get(key)
            if ends is not None:
                if ends > now:
                    await _refuse(send, limit, ends, now)
                    return
                del self._refused[key]
        hits: list[Hit] = [(k, limit.period) for (limit, _), k in zip(matched, keys, strict=True)]
        counted = self.tally.count(hits)
        if counted.done() or method not in _READS:
            verdict = self._verdict(matched, keys, await counted, now)
            if verdict[0]:
                await _refuse(send, verdict[1], verdict[2], now)
                return
            await self.app(scope, receive, _with_headers(send, verdict[1], verdict[2], verdict[3]))
            return
        await self._read_meanwhile(scope, receive, send, matched, keys, counted, now)

    async def _read_meanwhile(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        matched: list[tuple[Limit, str]],
        keys: list[str],
        counted: Awaitable[list[int] | None],
        now: float,
    ) -> None:
        """A read runs while its counts are in flight (a hot page's sync carries them); its
        response waits for them, and is replaced by a 429 past a limit."""
        refused = False

        async def answer(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                over, limit, ends, remaining = self._verdict(matched, keys, await counted, now)
                if over:
                    refused = True
                    await _refuse(send, limit, ends, now)
                    return
                extra = limit_headers(limit.amount, remaining, ends)
                message["headers"] = [*message.get("headers", []), *extra]
            elif refused:
                return  # the body of the response the 429 replaced
            await send(message)

        await self.app(scope, receive, answer)

    def _verdict(
        self,
        matched: list[tuple[Limit, str]],
        keys: list[str],
        counts: list[int] | None,
        now: float,
    ) -> tuple[bool, Limit, int, int]:
        """(past a limit, the rule that decides the headers, its window's end, what remains
        of it). Not counted (the store is away): let through, with the first rule's full
        allowance, as rack-attack does when its cache fails."""
        nearest = matched[0][0]
        if counts is None:
            return False, nearest, window_end(nearest.period, now), nearest.amount
        left = nearest.amount - counts[0]
        for (limit, _), key, count in zip(matched, keys, counts, strict=True):
            remaining = limit.amount - count
            if remaining < 0:
                ends = window_end(limit.period, now)
                if len(self._refused) > REFUSED_KEPT:
                    self._refused.clear()
                self._refused[key] = ends
                if remaining == -1:  # once per key and window
                    log.warning("rate_limited", rule=limit.name)
                return True, limit, ends, 0
            if remaining < left:
                nearest, left = limit, remaining
        return False, nearest, window_end(nearest.period, now), left


def _with_headers(send: Send, limit: Limit, ends: int, remaining: int) -> Send:
    extra = limit_headers(limit.amount, remaining, ends)

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return sending


async def _refuse(send: Send, limit: Limit, ends: int, now: float) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_TOO_MANY)).encode()),
        *refused_headers(limit.amount, ends, now),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": _TOO_MANY})
