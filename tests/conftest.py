"""Test fixtures: one database set per run, emptied between tests, on SQLite or PostgreSQL.

``CHIRP_TEST_BACKEND=sqlite`` (the default) runs everything on an SQLite file;
``CHIRP_TEST_BACKEND=postgres`` creates two shard databases on ``CHIRP_TEST_PG``
(default ``postgresql://postgres@127.0.0.1:5432``) so every test also crosses shards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import delete

from chirp.app import create_app
from chirp.config import Environment, Settings
from chirp.core.clock import Clock
from chirp.db.admin import reset_databases
from chirp.migrations import upgrade_all
from chirp.migrations.models import Base
from chirp.runtime import Runtime

BACKEND = os.environ.get("CHIRP_TEST_BACKEND", "sqlite")
PG = os.environ.get("CHIRP_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
# Per-run database names, so concurrent runs on one server never drop each other's databases.
PG_SHARDS = (f"chirp_test_{os.getpid()}_0", f"chirp_test_{os.getpid()}_1")
REDIS = os.environ.get("CHIRP_TEST_REDIS", "redis://127.0.0.1:6379/0")
PASSWORD = "Correct-Horse-Battery-9"


def free_port() -> int:
    """A loopback port nothing listens on now (for servers the tests start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reachable(url: str) -> bool:
    """Whether something accepts connections at the URL's host and port (a service is up)."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), 1):
            return True
    except OSError:
        return False


async def _recreate_pg_databases() -> list[str]:
    await reset_databases(PG, PG_SHARDS, create=True)
    base = PG.replace("postgresql://", "postgresql+asyncpg://", 1)
    return [f"{base}/{name}" for name in PG_SHARDS]


def _settings(data_dir: Path, **extra: Any) -> Settings:
    if BACKEND == "postgres":
        # The scaled deployment: shard databases, and home feeds in Redis under a per-run
        # prefix (concurrent runs share one Redis).
        if "shard_urls" not in extra:  # not setdefault: that would recreate them regardless
            extra["shard_urls"] = asyncio.run(_recreate_pg_databases())
        extra.setdefault("redis_url", REDIS)
        extra.setdefault("redis_prefix", f"chirp-test-{os.getpid()}:")
    elif BACKEND != "sqlite":
        raise RuntimeError(f"CHIRP_TEST_BACKEND must be sqlite or postgres, not {BACKEND!r}")
    return Settings(
        env=Environment.test,
        data_dir=data_dir,
        secret_key=secrets.token_urlsafe(48),
        domain="chirp.test",
        base_url="http://chirp.test",
        password_profile="fast-insecure",
        log_json=True,
        node_id=1,
        # Tests read right after they write: let every request finish its own jobs first.
        job_inline_wait=60,
        # Tests sign up and log in far more often than a person from one address; the rate
        # limits have their own tests (tests/api/test_throttle.py).
        rate_limits=extra.pop("rate_limits", False),
        **extra,
    )


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = _settings(tmp_path_factory.mktemp("chirp"))
    upgrade_all(settings)
    if BACKEND == "sqlite":
        _refuse_negative_counters(settings)
    yield settings
    if BACKEND == "postgres":
        asyncio.run(reset_databases(PG, PG_SHARDS, create=False))


def _refuse_negative_counters(settings: Settings) -> None:
    """A status counter below zero fails the write that made it, with its traceback (a
    replies_count of -1 was once read in CI and never reproduced: this names the writer)."""
    path = settings.physical_urls[0].split(":///", 1)[1]
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(
            "CREATE TRIGGER IF NOT EXISTS test_counters_never_negative"
            " BEFORE UPDATE OF replies_count, reblogs_count, favourites_count ON status"
            " WHEN NEW.replies_count < 0 OR NEW.reblogs_count < 0 OR NEW.favourites_count < 0"
            " BEGIN SELECT RAISE(ABORT, 'a status counter below zero'); END"
        )
        db.commit()


class FakeClock(Clock):
    """A clock that stands still until a test moves it."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture(scope="session")
async def session_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime.build(settings)
    yield rt
    await forget_everything(rt)  # a run leaves no keys behind in a shared Redis
    await rt.close()


@pytest.fixture
async def rt(session_runtime: Runtime) -> AsyncIterator[Runtime]:
    """The shared runtime over empty databases, with the real clock."""
    await empty_all_tables(session_runtime)
    await forget_everything(session_runtime)
    session_runtime.clock = Clock()
    yield session_runtime


@pytest.fixture
def clock(rt: Runtime) -> FakeClock:
    fake = FakeClock()
    rt.clock = fake
    return fake


async def forget_everything(rt: Runtime) -> None:
    """Every feed and cached entry of this run's deployment."""
    await rt.feeds.clear()
    await rt.relations.clear()
    await rt.entities.clear()
    await rt.throttle.reset()
    rt.hot.store.clear()
    rt.standing.reset()


async def empty_all_tables(rt: Runtime) -> None:
    async def empty(shard: Any) -> None:
        async with shard.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(delete(table))

    await rt.shards.gather(empty)


@pytest.fixture
async def client(rt: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(runtime=rt)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=rt.settings.public_url) as client:
        yield client


class Api:
    """Small helpers over the HTTP API, so tests read as the steps a client takes."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def create_app(
        self, scopes: str = "read write follow push", **extra: Any
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/apps", data={"client_name": "Test client", "scopes": scopes, **extra}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def app_token(self, app: dict[str, Any], scope: str = "read write follow push") -> str:
        response = await self.client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "scope": scope,
            },
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def password_grant(
        self, app: dict[str, Any], scope: str | None = None, password: str = PASSWORD
    ) -> httpx.Response:
        """A token request for alice@example.com through the password grant."""
        data = {
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "alice@example.com",
            "password": password,
        }
        if scope:
            data["scope"] = scope
        return await self.client.post("/oauth/token", data=data)

    async def register(
        self,
        username: str,
        *,
        email: str | None = None,
        password: str = PASSWORD,
        app: dict[str, Any] | None = None,
    ) -> str:
        app = app or await self.create_app()
        response = await self.client.post(
            "/api/v1/accounts",
            data={
                "username": username,
                "email": email or f"{username}@example.com",
                "password": password,
                "agreement": "true",
                "locale": "en",
            },
            headers=bearer(await self.app_token(app)),
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class User:
    """A registered account as a test uses it: its id and its token."""

    id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


async def user(api: Api, username: str) -> User:
    token = await api.register(username)
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    return User(me.json()["id"], token)


async def post(api: Api, author: User, text: str, **fields: str) -> str:
    """Post a status as ``author``; its id."""
    response = await api.client.post(
        "/api/v1/statuses", headers=author.auth, data={"status": text, **fields}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


@pytest.fixture(scope="session")
def e2e_env(settings: Settings) -> Iterator[dict[str, str]]:
    """The environment a `chirp serve` subprocess needs to share this run's databases."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIRP_")}
    env.update(
        {
            "CHIRP_ENV": "test",
            "CHIRP_DATA_DIR": str(settings.data_dir),
            "CHIRP_SECRET_KEY": settings.secret_key,
            "CHIRP_PASSWORD_PROFILE": "fast-insecure",
            "CHIRP_NODE_ID": "2",
            "CHIRP_JOB_INLINE_WAIT": "60",
            "CHIRP_RATE_LIMITS": "false",  # (as in _settings)
        }
    )
    if settings.shard_urls:
        env["CHIRP_SHARD_URLS"] = ",".join(settings.shard_urls)
    if settings.redis_url:
        # The scaled deployment: feeds, caches and streams in the same Redis as this process.
        env["CHIRP_REDIS_URL"] = settings.redis_url
        env["CHIRP_REDIS_PREFIX"] = settings.redis_prefix
    yield env
