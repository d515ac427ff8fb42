"""The timeline engine against its real services: RabbitMQ, Redis, `chirp worker` processes.

Each test module gets fresh databases (a new data directory on SQLite, new databases on
PostgreSQL, migrated once) and each test a fresh Redis prefix, which also names its RabbitMQ
queues, so runs on a shared Redis and broker never see each other's feeds or jobs. A test that
needs RabbitMQ or Redis is skipped, saying which, when it cannot reach them.

``CHIRP_TEST_BROKER`` (default ``amqp://guest:guest@127.0.0.1:5672/``) and ``CHIRP_TEST_REDIS``
(see tests/conftest.py) name the services.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aio_pika
import pytest
from sqlalchemy import insert

from chirp.accounts.models import Account
from chirp.accounts.registration import register
from chirp.accounts.schemas import Registration
from chirp.config import Settings
from chirp.core.ids import shard_of
from chirp.db.admin import reset_databases
from chirp.db.shards import shard_for_key
from chirp.graph.models import Follow
from chirp.jobs.repository import DeadJobRepository, OutboxRepository
from chirp.migrations import upgrade_all
from chirp.runtime import Runtime
from chirp.seed.rows import account_row, follow_row
from chirp.timelines.redis_feeds import READY
from tests.conftest import (
    BACKEND,
    PASSWORD,
    PG,
    REDIS,
    _settings,
    empty_all_tables,
    free_port,
    reachable,
)

BROKER = os.environ.get("CHIRP_TEST_BROKER", "amqp://guest:guest@127.0.0.1:5672/")
# Node ids of the processes a test starts (the test process itself is node 1, as in tests/).
WORKER_NODES = itertools.cycle(range(10, 60))


@pytest.fixture
def rabbitmq() -> None:
    """Skip unless RabbitMQ answers (CI runs these tests with it up)."""
    if not reachable(BROKER):
        pytest.skip(f"RabbitMQ is unreachable at {urlsplit(BROKER).netloc.split('@')[-1]}")


@pytest.fixture
def services(rabbitmq: None) -> None:
    """Skip unless RabbitMQ and Redis answer (CI runs these tests with both up)."""
    if not reachable(REDIS):
        pytest.skip(f"Redis is unreachable at {urlsplit(REDIS).netloc}")


# -- databases -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Fresh, migrated databases for this module: the worker processes it starts share them."""
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    names: list[str] = []
    extra: dict[str, Any] = {}
    if BACKEND == "postgres":
        names = [f"chirp_engine_{os.getpid()}_{module}_{n}" for n in range(2)]
        asyncio.run(reset_databases(PG, names, create=True))
        base = PG.replace("postgresql://", "postgresql+asyncpg://", 1)
        extra["shard_urls"] = [f"{base}/{name}" for name in names]
    settings = _settings(tmp_path_factory.mktemp(f"engine-{module}"), **extra)
    upgrade_all(settings)
    yield settings
    if names:
        asyncio.run(reset_databases(PG, names, create=False))


def configured(base: Settings, **changes: Any) -> Settings:
    """``base`` with a prefix of its own (Redis keys and RabbitMQ queue names) and changes."""
    changes.setdefault("redis_prefix", f"chirp-engine-{secrets.token_hex(4)}:")
    return base.model_copy(update=changes)


def environment(settings: Settings, node_id: int) -> dict[str, str]:
    """What a `chirp` subprocess needs to run the same deployment as ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIRP_")}
    values: dict[str, Any] = {
        "env": settings.env.value,
        "data_dir": settings.data_dir,
        "secret_key": settings.secret_key,
        "password_profile": settings.password_profile,
        "shard_urls": ",".join(settings.shard_urls),
        "redis_url": settings.redis_url,
        "redis_prefix": settings.redis_prefix,
        "broker_url": settings.broker_url,
        "timeline_strategy": settings.timeline_strategy,
        "fanout_batch": settings.fanout_batch,
        "job_max_attempts": settings.job_max_attempts,
        "job_retry_seconds": settings.job_retry_seconds,
        "node_id": node_id,
        "log_level": "INFO",
    }
    env.update({f"CHIRP_{k.upper()}": str(v) for k, v in values.items() if v not in (None, "")})
    env["COLUMNS"] = "400"  # rich tables (`chirp jobs dead`) print whole ids without a terminal
    return env


# -- processes -----------------------------------------------------------------------------------


class Workers:
    """`chirp worker` subprocesses, each logging to a file; all stopped at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, settings: Settings) -> subprocess.Popen[bytes]:
        node = next(WORKER_NODES)
        log = (self.folder / f"worker-{node}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "chirp", "worker"],
            env=environment(settings, node),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.folder.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    yield started
    started.stop_all()
    if os.environ.get("CHIRP_TEST_SHOW_SERVER_LOG"):
        sys.stderr.write(started.logs())


def chirp(settings: Settings, *args: str, node_id: int = 5) -> subprocess.CompletedProcess[str]:
    """Run a `chirp` command as an operator would, against ``settings``' deployment."""
    return subprocess.run(
        [sys.executable, "-m", "chirp", *args],
        env=environment(settings, node_id),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# -- runtimes and data ---------------------------------------------------------------------------


Runtimes = Callable[[Settings], Awaitable[Runtime]]


@pytest.fixture
async def runtimes() -> AsyncIterator[Runtimes]:
    """Build runtimes over a module's databases (emptied first); each is closed, and its Redis
    keys and RabbitMQ queues removed, at the end of the test."""
    built: list[Runtime] = []

    async def build(settings: Settings) -> Runtime:
        rt = Runtime.build(settings)
        if not built:
            await empty_all_tables(rt)
        built.append(rt)
        return rt

    yield build
    for rt in built:
        if rt.redis is not None:
            await rt.feeds.clear()
            await rt.entities.clear()
        broker = rt.jobs.broker
        await rt.close()  # first: a relay still running would declare the queues again
        if broker is not None and reachable(BROKER):  # (the test's URL may be a closed proxy)
            queues = [broker.queue_name, *map(broker.retry_queue, range(len(broker.delays)))]
            connection = await aio_pika.connect(BROKER)
            async with connection:
                channel = await connection.channel()
                for name in queues:
                    await channel.queue_delete(name)


async def consumers(rt: Runtime) -> int:
    """How many workers consume this deployment's job queue now."""
    assert rt.jobs.broker is not None
    connection = await aio_pika.connect(BROKER)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(rt.jobs.broker.queue_name, durable=True)
        return int(queue.declaration_result.consumer_count or 0)


async def started(rt: Runtime, workers: Workers, process: subprocess.Popen[bytes]) -> None:
    """Wait until the worker ``process`` consumes the job queue (and is its only consumer)."""

    async def ready() -> bool:
        assert process.poll() is None, workers.logs()
        return await consumers(rt) == 1

    await eventually(ready, 60, "the worker's start", interval=0.2)


async def add_followers(rt: Runtime, author_id: int, count: int) -> list[int]:
    """``count`` new accounts following ``author_id``, inserted in bulk (thousands of sign-ups
    through the API would take minutes and test nothing here); the author's counter agrees."""
    now = datetime.now(UTC)
    accounts: list[dict[str, Any]] = []
    follows: list[dict[str, Any]] = []
    for n in range(count):
        name = f"f{n:05d}_{secrets.token_hex(2)}"
        account_id = rt.ids.next_id(shard_for_key(name))
        accounts.append(account_row(account_id, name, now, following_count=1))
        follows.append(follow_row(rt.ids.next_id(shard_of(account_id)), account_id, author_id, now))
    async with rt.uow(write=True) as uow:
        for model, rows in ((Account, accounts), (Follow, follows)):
            by_shard: dict[int, list[dict[str, Any]]] = {}
            for row in rows:
                by_shard.setdefault(rt.shards.for_id(row["id"]).index, []).append(row)
            for index, part in by_shard.items():
                await uow.session(rt.shards.physical[index]).execute(insert(model), part)
        author = await uow.for_id(author_id).get(Account, author_id)
        assert author is not None
        author.followers_count += count
        await uow.commit()
    return [a["id"] for a in accounts]


async def open_feeds(rt: Runtime, strategy: str, account_ids: list[int]) -> None:
    """Make these accounts' feeds exist, as their first home read would (fan-out only adds to
    feeds that exist). The accounts have nothing to show yet, so a rebuild from the database
    leaves just the "complete" marker: written here for thousands at once, in one pipeline,
    and checked against a real rebuild of the first account's feed."""
    assert rt.redis is not None
    keys = rt.feed_reader.keys(strategy, account_ids)
    await rt.feeds.drop(keys[:1])
    assert await rt.feed_reader.rebuild(account_ids[0], keys[0])
    built = await rt.redis.zrange(keys[0], 0, -1, withscores=True)
    assert built == [(READY.encode(), 0.0)], built
    ttl = await rt.redis.ttl(keys[0])
    async with rt.redis.pipeline(transaction=False) as pipe:
        for key in keys[1:]:
            pipe.zadd(key, {READY: 0})
            pipe.expire(key, ttl)
        await pipe.execute()


async def outbox_and_dead(rt: Runtime) -> tuple[int, int]:
    async with rt.uow() as uow:
        return await OutboxRepository(uow).waiting(), await DeadJobRepository(uow).count()


class NotYet(AssertionError):
    """What a test waited for did not happen in time."""


async def eventually(
    check: Callable[[], Awaitable[bool]], within: float, what: str, interval: float = 0.05
) -> float:
    """Wait until ``check()`` holds; the seconds it took. Fails saying ``what`` did not happen."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > within:
            raise NotYet(f"{what} did not happen within {within} s")
        await asyncio.sleep(interval)
    return time.monotonic() - started


async def sign_up(rt: Runtime, username: str) -> int:
    """A real registration (no app token): the account's id."""
    data = Registration(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        agreement=True,
        locale="en",
    )
    return (await register(rt, data, ip=None, bearer=None)).account_id


class Proxy:
    """A TCP forwarder in front of a service, which a test can cut and restore: closed, it
    refuses new connections and drops the live ones, as a stopped broker would, without
    stopping the shared service other test runs use."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.host, self.target_port = parts.hostname or "127.0.0.1", parts.port or 0
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def url(self, target: str) -> str:
        """``target`` with its address replaced by the proxy's."""
        parts = urlsplit(target)
        credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return parts._replace(netloc=f"{credentials}127.0.0.1:{self.port}").geturl()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            writer.transport.abort()
            writer.close()
            self._tasks.discard(task)
            return
        self._links |= {writer, up_writer}
        try:
            await asyncio.gather(
                _pipe(reader, up_writer), _pipe(up_reader, writer), return_exceptions=True
            )
        finally:
            for end in (writer, up_writer):
                self._links.discard(end)
                end.close()
            self._tasks.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    finally:
        writer.transport.abort()  # one side gone: drop the other, as a dead service would
