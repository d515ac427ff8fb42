"""The timeline engine's own figures (issue 5): fan-out throughput beside Redis's ceiling,
post-to-visible latency by follower count and strategy, and the home read cost by strategy.

    .venv/bin/python -m bench.fanout                      # SQLite + the local Redis
    .venv/bin/python -m bench.fanout --pg postgresql://postgres@127.0.0.1:5432 --posts 5

It builds a throwaway deployment (a temporary data dir, or two new PostgreSQL databases),
with feeds in Redis under a private prefix that is deleted afterwards. One author per size
(100, 10,000 and 100,000 followers by default) shares one pool of followers, whose feeds are
all live (as if every follower had read home within the week). Jobs run in this process (the
embedded runner), so a post's latency is its commit plus its fan-out: the moment its id is in
the last follower's feed. Under ``pull`` (and ``hybrid`` past its threshold) nothing is fanned
out: the post is visible on the next read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from chirp.accounts.models import Account
from chirp.config import Environment, Settings
from chirp.core.ids import shard_of
from chirp.core.pagination import Page
from chirp.db.admin import reset_databases
from chirp.db.shards import shard_for_key
from chirp.graph.models import Follow
from chirp.migrations import upgrade_all
from chirp.posts import service as posts
from chirp.posts.schemas import StatusCreate
from chirp.runtime import Runtime
from chirp.seed.rows import account_row, follow_row
from chirp.timelines import service as timelines

REDIS = os.environ.get("CHIRP_BENCH_REDIS", "redis://127.0.0.1:6379/0")
STRATEGIES = ("push", "hybrid", "pull")


def _account(rt: Runtime, name: str, now: datetime, **counts: int) -> dict[str, Any]:
    return account_row(
        rt.ids.next_id(shard_for_key(name)),
        name,
        now,
        followers_count=counts.get("followers", 0),
        following_count=counts.get("following", 0),
    )


async def populate(rt: Runtime, sizes: list[int]) -> tuple[dict[int, int], list[int]]:
    """One author per size; follower ``i`` follows every author whose size is above ``i``."""
    now = datetime.now(UTC)
    authors = {size: _account(rt, f"author{size}", now, followers=size) for size in sizes}
    followers = [
        _account(rt, f"f{n:06d}", now, following=sum(1 for s in sizes if s > n))
        for n in range(max(sizes))
    ]
    follows = [
        follow_row(rt.ids.next_id(shard_of(follower["id"])), follower["id"], author["id"], now)
        for size, author in authors.items()
        for follower in followers[:size]
    ]
    for model, rows in ((Account, [*authors.values(), *followers]), (Follow, follows)):
        for start in range(0, len(rows), 5000):
            async with rt.uow(write=True) as uow:
                chunk = rows[start : start + 5000]
                for shard in rt.shards.physical:
                    mine = [r for r in chunk if rt.shards.for_id(r["id"]) is shard]
                    if mine:
                        await uow.session(shard).execute(insert(model), mine)
                await uow.commit()
    return {size: a["id"] for size, a in authors.items()}, [f["id"] for f in followers]


async def open_feeds(rt: Runtime, strategy: str, accounts: list[int]) -> None:
    """Mark every follower's feed live and complete (empty), as after a recent read."""
    assert rt.redis is not None
    keys = rt.feed_reader.keys(strategy, accounts)
    for start in range(0, len(keys), 5000):
        async with rt.redis.pipeline(transaction=False) as pipe:
            for key in keys[start : start + 5000]:
                pipe.zadd(key, {"!": 0})
                pipe.expire(key, 86_400)
            await pipe.execute()


async def measure(settings: Settings, sizes: list[int], posts_each: int) -> dict[str, Any]:
    results: dict[str, Any] = {"latency": {}, "home_ms": {}, "inserts_per_second": None}
    base = Runtime.build(settings)
    authors, followers = await populate(base, sizes)
    await base.close()
    reader = followers[0]  # follows every author
    for strategy in STRATEGIES:
        rt = Runtime.build(settings.model_copy(update={"timeline_strategy": strategy}))
        await open_feeds(rt, strategy, [*followers, *authors.values()])
        for size, author in authors.items():
            took = []
            for n in range(posts_each):
                started = time.perf_counter()
                await posts.create(rt, author, StatusCreate(status=f"{strategy} {size} {n}"), None)
                took.append(time.perf_counter() - started)
            results["latency"][f"{strategy}/{size}"] = took
        await timelines.home(rt, reader, Page(limit=20))  # warm: the feed is read once
        reads = []
        for _ in range(30):
            started = time.perf_counter()
            await timelines.home(rt, reader, Page(limit=20))
            reads.append(time.perf_counter() - started)
        results["home_ms"][strategy] = 1000 * statistics.median(reads)
        await rt.close()
    # Fan-out alone: a push post's time less a pull post's (the same commit, no fan-out).
    big = max(sizes)
    fanout = statistics.median(results["latency"][f"push/{big}"]) - statistics.median(
        results["latency"][f"pull/{big}"]
    )
    results["inserts_per_second"] = big / max(fanout, 1e-6)
    return results


def redis_ceiling(prefix: str) -> float:
    """redis-benchmark's ZADD to random feed-like keys, pipelined 1,000 deep: the most this
    machine's Redis takes for the commands fan-out sends."""
    out = subprocess.run(  # noqa: S603 - a fixed command line of our own
        [  # noqa: S607 - redis-benchmark comes with redis-server, wherever it is on PATH
            "redis-benchmark",
            "-q",
            "-n",
            "200000",
            "-P",
            "1000",
            "-r",
            "100000",
            "zadd",
            f"{prefix}ceiling:__rand_int__",
            "1",
            "__rand_int__",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = [part for part in out.replace("\r", "\n").splitlines() if "requests per second" in part]
    # "zadd <key> 1 __rand_int__: 322580.66 requests per second, p50=..."
    return float(line[-1].split("requests per second")[0].split()[-1])


async def clear(prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS)
    async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
        await redis.delete(key)
    await redis.aclose()


def table(results: dict[str, Any], sizes: list[int], ceiling: float) -> str:
    lines = [
        f"Fan-out: {results['inserts_per_second']:,.0f} feed inserts/s in one process "
        f"(push, {max(sizes):,} followers); redis-benchmark ZADD ceiling {ceiling:,.0f}/s "
        f"({results['inserts_per_second'] / ceiling:.0%}).",
        "",
        "| strategy | followers | post-to-visible p50 | p99 | home read (20) |",
        "|---|---:|---:|---:|---:|",
    ]
    for strategy in STRATEGIES:
        for size in sizes:
            took = sorted(results["latency"][f"{strategy}/{size}"])
            p99 = took[min(len(took) - 1, round(0.99 * (len(took) - 1)))]
            lines.append(
                f"| {strategy} | {size:,} | {1000 * statistics.median(took):,.0f} ms "
                f"| {1000 * p99:,.0f} ms | {results['home_ms'][strategy]:.1f} ms |"
            )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    prefix = f"bench-fanout-{secrets.token_hex(3)}:"
    data_dir = Path(tempfile.mkdtemp(prefix="chirp-fanout-"))
    names = [f"chirp_fanout_{os.getpid()}_{n}" for n in range(2)]
    extra: dict[str, Any] = {}
    if args.pg:
        asyncio.run(reset_databases(args.pg, names, create=True))
        base = args.pg.replace("postgresql://", "postgresql+asyncpg://", 1)
        extra["shard_urls"] = [f"{base}/{name}" for name in names]
    settings = Settings(
        env=Environment.test,
        data_dir=data_dir,
        secret_key=secrets.token_urlsafe(48),
        password_profile="fast-insecure",
        redis_url=REDIS,
        redis_prefix=prefix,
        log_level="WARNING",
        node_id=63,
        hybrid_threshold=args.threshold,
        # Post-to-visible is the post's request plus its whole fan-out job: the request waits
        # for all of it here (by default it answers after 0.5 s and the job goes on).
        job_inline_wait=300,
        **extra,
    )
    try:
        upgrade_all(settings)
        results = asyncio.run(measure(settings, sizes, args.posts))
        print(table(results, sizes, redis_ceiling(prefix)))
    finally:
        asyncio.run(clear(prefix))
        shutil.rmtree(data_dir, ignore_errors=True)
        if args.pg:
            asyncio.run(reset_databases(args.pg, names, create=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,10000,100000", help="followers per author")
    parser.add_argument("--posts", type=int, default=5, help="posts per author and strategy")
    parser.add_argument("--threshold", type=int, default=10_000, help="hybrid threshold")
    parser.add_argument("--pg", help="PostgreSQL server URL (two shard databases)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
