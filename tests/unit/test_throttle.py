"""The rate-limit counter (chirp.core.throttle) on its own: one count shared by every
process on the same Redis, separate counts per rule and key, rules that parse or are off,
and a login that still works when Redis does not."""

from __future__ import annotations

import secrets

import pytest

from chirp.core import throttle as throttle_module
from chirp.core.redis_client import connect
from chirp.core.throttle import Throttle, Throttled, rule
from tests.conftest import REDIS


def test_rules_parse_or_are_off() -> None:
    parsed = rule("25/5 minutes")
    assert parsed is not None and parsed.amount == 25 and parsed.get_expiry() == 300
    assert rule("0") is None and rule("off") is None
    with pytest.raises(ValueError):
        rule("often")


async def test_processes_on_one_redis_share_one_count() -> None:
    prefix = f"chirp-test-throttle-{secrets.token_hex(4)}:"
    first, second = connect(REDIS, 4), connect(REDIS, 4)  # two processes' clients
    try:
        one = Throttle.build(REDIS, first, prefix, enabled=True)
        other = Throttle.build(REDIS, second, prefix, enabled=True)
        limit = rule("3/minute")
        await one.hit("login/ip", limit, "198.51.100.1")
        await other.hit("login/ip", limit, "198.51.100.1")
        await one.hit("login/ip", limit, "198.51.100.1")
        with pytest.raises(Throttled):
            await other.hit("login/ip", limit, "198.51.100.1")
        # Another key, another rule: counted apart.
        await other.hit("login/ip", limit, "198.51.100.2")
        await other.hit("sign_up/ip", limit, "198.51.100.1")
        await one.reset()
        await other.hit("login/ip", limit, "198.51.100.1")  # reset for everyone
    finally:
        await first.aclose()
        await second.aclose()


class Lines:
    def __init__(self) -> None:
        self.events: list[str] = []

    def warning(self, event: str, **fields: object) -> None:
        self.events.append(event)


async def test_without_redis_a_hit_is_allowed_and_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    # (a stand-in logger: structlog's capture misses loggers cached by an earlier test)
    lines = Lines()
    monkeypatch.setattr(throttle_module, "log", lines)
    gone = connect("redis://127.0.0.1:1/0", 1, timeout=0.5)  # nothing listens there
    try:
        throttle = Throttle.build("redis://127.0.0.1:1/0", gone, "x:", enabled=True)
        limit = rule("1/minute")
        for _ in range(3):  # past the limit of 1: allowed all the same
            await throttle.hit("login/ip", limit, "198.51.100.1")
    finally:
        await gone.aclose()
    assert lines.events == ["rate_limit_unavailable"] * 3


async def test_in_process_counts_and_a_switch_that_turns_them_off() -> None:
    limit = rule("2/minute")
    counted = Throttle.build(None, None, "x:", enabled=True)
    await counted.hit("r", limit, "k")
    await counted.hit("r", limit, "k")
    with pytest.raises(Throttled) as raised:
        await counted.hit("r", limit, "k")
    headers = raised.value.headers() or {}
    assert headers["X-RateLimit-Limit"] == "2" and headers["X-RateLimit-Remaining"] == "0"
    off = Throttle.build(None, None, "x:", enabled=False)
    for _ in range(5):
        await off.hit("r", limit, "k")
    await counted.hit("r", limit, None)  # no key (no address known): nothing to count by
