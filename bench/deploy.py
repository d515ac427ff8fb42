"""Starting what the benchmark measures: seeded data, Redis, Chirp as in production, the ceiling.

Seeded data is kept under ``var/bench/`` (SQLite) or in ``chirp_bench_<scale>_<n>`` databases
(PostgreSQL) and reused by later runs of the same scale and seed; ``--reseed`` rebuilds it.
Every process started here is a child of the runner and is stopped by its pid.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
CHIRP = str(Path(sys.executable).parent / "chirp")


UNREACHED = "1000000000/5 minutes"  # a rate limit a load run does not reach
# The API-wide rate limits at numbers a load of 64 connections from 64 accounts does not reach
# (Mastodon's 300 per token and 5 minutes would refuse all but the first second of a run):
# still on, so their cost is measured.
UNREACHED_LIMITS = {f"CHIRP_LIMIT_API_{rule}": UNREACHED for rule in ("TOKEN", "ACCOUNT", "IP")}


@dataclass
class Server:
    """A child process serving HTTP on ``base_url`` (its workers are its children)."""

    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Deployment:
    backend: str
    scale: str
    seed: int
    env: dict[str, str]
    tokens_path: Path
    started: list[Server] = field(default_factory=list)

    def tokens(self) -> dict[str, Any]:
        return dict(json.loads(self.tokens_path.read_text()))

    def stop(self) -> None:
        for server in reversed(self.started):
            server.stop()
        self.started.clear()


def prepare(
    backend: str, scale: str, seed: int, *, port: int, reseed: bool, pg: str, redis_port: int
) -> Deployment:
    """Seeded databases and the environment Chirp runs with (Redis started for PostgreSQL)."""
    folder = VAR / f"{backend}-{scale}-{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIRP_")}
    env.update(
        {
            "CHIRP_ENV": "production",
            "CHIRP_SECRET_KEY": secrets.token_urlsafe(48),
            "CHIRP_DATA_DIR": str(folder),
            "CHIRP_DOMAIN": f"localhost:{port}",
            "CHIRP_BASE_URL": f"http://127.0.0.1:{port}",
            "CHIRP_LOG_LEVEL": "INFO",
            # A fixed pool per worker and database, no overflow: under sustained load
            # overflow connections are opened and closed per request (a PostgreSQL backend
            # fork each), which costs more than waiting for a pooled one.
            "CHIRP_DB_POOL_SIZE": os.environ.get("CHIRP_DB_POOL_SIZE", "16"),
            "CHIRP_DB_MAX_OVERFLOW": os.environ.get("CHIRP_DB_MAX_OVERFLOW", "0"),
            "PYTHONPATH": str(ROOT),
            # CHIRP_BENCH_RATE_LIMITS=false runs without the rate limits, to compare.
            "CHIRP_RATE_LIMITS": os.environ.get("CHIRP_BENCH_RATE_LIMITS", "true"),
            **UNREACHED_LIMITS,
        }
    )
    deployment = Deployment(backend, scale, seed, env, folder / "seed-tokens.json")
    if backend == "postgres":
        names = [f"chirp_bench_{scale}_{seed}_{n}" for n in range(2)]
        base = pg.replace("postgresql://", "postgresql+asyncpg://", 1)
        env["CHIRP_SHARD_URLS"] = ",".join(f"{base}/{name}" for name in names)
        fresh = asyncio.run(_ensure_databases(pg, names))
        reseed = reseed or fresh
        deployment.started.append(start_redis(redis_port, folder))
        env["CHIRP_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    elif backend != "sqlite":
        raise ValueError("backend must be sqlite or postgres")
    # Seeding migrates; an earlier seed may predate a migration, so apply them every time.
    subprocess.run([CHIRP, "migrate"], env=env, check=True, capture_output=True)  # noqa: S603
    marker = folder / "seeded"
    if reseed or not marker.exists() or not deployment.tokens_path.exists():
        marker.unlink(missing_ok=True)
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own command
            [CHIRP, "seed", "--scale", scale, "--seed", str(seed), "--reset"],
            env=env,
            check=True,
        )
        marker.write_text(f"{time.perf_counter() - started:.1f}\n")
    return deployment


async def _ensure_databases(pg: str, names: list[str]) -> bool:
    """Create the bench databases if missing; True when any had to be created."""
    import asyncpg

    admin = await asyncpg.connect(f"{pg}/postgres")
    try:
        existing = {r["datname"] for r in await admin.fetch("SELECT datname FROM pg_database")}
        created = False
        for name in names:
            if name not in existing:
                await admin.execute(f'CREATE DATABASE "{name}"')
                created = True
        return created
    finally:
        await admin.close()


def start_redis(port: int, folder: Path) -> Server:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: apt-get install -y redis-server")
    log = folder / "redis.log"
    process = subprocess.Popen(  # noqa: S603 - our own command
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = Server("redis", process, f"redis://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 10
    client = redis.Redis(host="127.0.0.1", port=port)
    while time.monotonic() < deadline:
        try:
            if client.ping():
                return server
        except redis.ConnectionError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"redis did not start; see {log}")


def start_server(name: str, command: list[str], env: dict[str, str], port: int) -> Server:
    """Start a server and wait until ``/health`` answers (or fail with its log)."""
    logs = VAR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    process = subprocess.Popen(  # noqa: S603 - our own command
        command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT
    )
    server = Server(name, process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{server.base_url}/health", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not start; last lines of {log}:\n{log.read_text()[-2000:]}")


def chirp_command(port: int, workers: int, server: str) -> list[str]:
    return [
        CHIRP, "serve", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--server", server,
    ]  # fmt: skip


def ceiling_command(port: int, workers: int, server: str) -> list[str]:
    return [
        sys.executable, "-m", "bench.ceiling", "--port", str(port),
        "--workers", str(workers), "--server", server,
    ]  # fmt: skip
