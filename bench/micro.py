"""Micro-benchmarks outside the test run: ``python -m bench.micro`` (or ``make bench-micro``).

1. Hydrating and serializing a page of 20 and 40 statuses: milliseconds for
   ``StatusViews.render`` (with its SQL statement count) and for encoding the page to JSON
   with the standard library (what FastAPI's JSONResponse does) and with orjson.
   Both without a cache and with a warm entity cache (the same page, byte for byte).
2. Memory per cached status (a rendered entity as JSON bytes in Redis, and as a Python dict,
   and the two parts the entity cache keeps of it) and per feed entry (a status id in a
   Redis sorted set, and in an in-process sorted list).

Uses a fresh SQLite file with a small seeded data set (``CHIRP_SHARD_URLS`` set: those
PostgreSQL databases instead, which must be migrated and empty) and a private redis-server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import sys
import tempfile
import time
import tracemalloc
from array import array
from bisect import insort
from pathlib import Path
from typing import Any

import orjson
import redis
from sqlalchemy import event, select

from bench.deploy import start_redis
from chirp.config import Environment, Settings
from chirp.core.entities import EntityCache, Kind, no_cache
from chirp.core.logging import configure_logging
from chirp.core.pagination import Page
from chirp.migrations import upgrade_all
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews
from chirp.runtime import Runtime
from chirp.seed.run import seed
from chirp.seed.scales import Scale

SCALE = Scale(accounts=500, follows=10_000, statuses=20_000, favourites=20_000)
ROUNDS = 30


def _settings(folder: Path, shard_urls: list[str]) -> Settings:
    return Settings(
        env=Environment.test,
        data_dir=folder,
        node_id=62,
        secret_key=secrets.token_urlsafe(48),
        password_profile="fast-insecure",
        domain="bench.test",
        base_url="http://bench.test",
        shard_urls=shard_urls,
        log_level="ERROR",
    )


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


async def hydration(rt: Runtime, viewer: int, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    for physical in rt.shards.physical:
        event.listen(physical.engine.sync_engine, "before_cursor_execute", count)
    out = []
    for size in sizes:
        async with rt.uow() as uow:
            # The latest statuses of every kind: originals, replies, reblogs, mentions, tags.
            latest = select(Status.id).order_by(Status.id.desc()).limit(size)
            ids = sorted(await uow.everywhere(latest), reverse=True)[:size]
        row: dict[str, Any] = {}
        pages = []
        # Without a cache (every phase of hydration), then with a warm one (filled first).
        for label, cache in (("", no_cache()), ("warm_", rt.entities)):
            await rt.entities.clear()
            await _render(rt, viewer, ids, cache, statements)
            rendering, queries = [], 0
            for _ in range(ROUNDS):
                entities, seconds = await _render(rt, viewer, ids, cache, statements)
                rendering.append(seconds)
                queries = len(statements)
            row[f"{label}render_ms"] = _median_ms(rendering)
            row[f"{label}sql_statements"] = queries
            pages.append(orjson.dumps(entities))
        if pages[0] != pages[1]:
            raise AssertionError("the cached page differs from the uncached one")
        std, fast = [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            standard = json.dumps(entities, ensure_ascii=False, separators=(",", ":")).encode()
            std.append(time.perf_counter() - started)
            started = time.perf_counter()
            encoded = orjson.dumps(entities)
            fast.append(time.perf_counter() - started)
            if standard != encoded:
                raise AssertionError("orjson's output differs from the standard library's")
        out.append(
            {
                "statuses": len(entities),
                **row,
                "json_stdlib_ms": _median_ms(std),
                "json_orjson_ms": _median_ms(fast),
                "bytes": len(encoded),
            }
        )
    return out


async def _render(
    rt: Runtime, viewer: int, ids: list[int], cache: EntityCache, statements: list[str]
) -> tuple[list[dict[str, Any]], float]:
    """The page and the seconds its render took; ``statements`` holds the render's own
    (the page's rows are read first, neither counted nor timed)."""
    async with rt.uow() as uow:
        rows = await StatusRepository(uow).get_many(ids)
        statuses = [rows[i] for i in ids]
        statements.clear()
        started = time.perf_counter()
        entities = await StatusViews(uow, rt.settings.public_url, viewer, cache).render(statuses)
        return entities, time.perf_counter() - started


async def one_entity(rt: Runtime, viewer: int) -> list[dict[str, Any]]:
    """A rendered status, and the two parts of it the entity cache keeps."""
    async with rt.uow() as uow:
        page = await StatusRepository(uow).public(Page(limit=1))
        entity = (await StatusViews.of(rt, uow, viewer).render(page))[0]
    static = await rt.entities.get_many(Kind.status, [page[0].id])
    account = await rt.entities.get_many(Kind.account, [page[0].account_id])
    return [entity, static[page[0].id], account[page[0].account_id]]


def memory(
    entities: list[dict[str, Any]], client: redis.Redis, feed_sizes: tuple[int, ...]
) -> dict[str, Any]:
    entity, static, account = entities
    cached = {}
    for name, part in (("static", static), ("account", account)):
        client.set(f"bench:{name}", orjson.dumps(part))
        cached[name] = (len(orjson.dumps(part)), client.memory_usage(f"bench:{name}"))
    client.delete("bench:static", "bench:account")
    encoded = orjson.dumps(entity)
    client.set("bench:status", encoded)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    copies = [json.loads(encoded) for _ in range(100)]
    per_dict = (tracemalloc.get_traced_memory()[0] - before) / len(copies)
    tracemalloc.stop()
    result: dict[str, Any] = {
        "status_json_bytes": len(encoded),
        "status_redis_bytes": client.memory_usage("bench:status"),
        "status_python_dict_bytes": round(per_dict),
        "cached_static_bytes": cached["static"],
        "cached_account_bytes": cached["account"],
        "feed": [],
    }
    base = 400_000_000_000_000_000
    for size in feed_sizes:
        ids = [base + n * 4_194_304 + (n % 1024) for n in range(size)]
        client.delete("bench:feed")
        client.zadd("bench:feed", {str(i): i for i in ids})
        redis_bytes = client.memory_usage("bench:feed") or 0
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        held: list[int] = []
        for i in ids:  # ints built fresh, as a store fed from the wire would hold them
            insort(held, int(str(i)))
        list_bytes = tracemalloc.get_traced_memory()[0] - before
        packed = array("q", sorted(ids))
        tracemalloc.stop()
        result["feed"].append(
            {
                "entries": size,
                "redis_zset_bytes_per_entry": round(redis_bytes / size, 1),
                "python_sorted_list_bytes_per_entry": round(list_bytes / size, 1),
                "array_q_bytes_per_entry": round(packed.itemsize, 1),
            }
        )
    client.delete("bench:status", "bench:feed")
    return result


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="chirp-micro-"))
    shard_urls = [u for u in args.shard_urls.split(",") if u]
    settings = _settings(folder, shard_urls)
    configure_logging(settings)
    await asyncio.to_thread(upgrade_all, settings)
    tokens = folder / "tokens.json"
    await seed(settings, SCALE, tokens_path=tokens, measured=1, progress=False)
    viewer = int(json.loads(tokens.read_text())["accounts"][0]["id"])
    rt = Runtime.build(settings)
    try:
        pages = await hydration(rt, viewer, (20, 40))
        entities = await one_entity(rt, viewer)
    finally:
        await rt.close()
    server = start_redis(args.redis_port, folder)
    try:
        client = redis.Redis(host="127.0.0.1", port=args.redis_port)
        sizes = memory(entities, client, (100, 800))
        client.close()
    finally:
        server.stop()
    return {"backend": "postgres" if shard_urls else "sqlite", "pages": pages, "memory": sizes}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"Hydration and serialization ({result['backend']}, median of {ROUNDS}):",
        "",
        "| statuses | render ms | SQL statements | warm cache: render ms | SQL statements "
        "| json (stdlib) ms | orjson ms | bytes |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in result["pages"]:
        lines.append(
            f"| {p['statuses']} | {p['render_ms']} | {p['sql_statements']} "
            f"| {p['warm_render_ms']} | {p['warm_sql_statements']} "
            f"| {p['json_stdlib_ms']} | {p['json_orjson_ms']} | {p['bytes']} |"
        )
    m = result["memory"]
    lines += [
        "",
        f"A cached status: {m['status_json_bytes']} bytes of JSON, {m['status_redis_bytes']} bytes "
        f"in Redis (MEMORY USAGE), {m['status_python_dict_bytes']} bytes as a Python dict. "
        f"The entity cache keeps it in two parts: its static part, "
        f"{m['cached_static_bytes'][0]} bytes of JSON ({m['cached_static_bytes'][1]} in Redis), "
        f"and its account, {m['cached_account_bytes'][0]} ({m['cached_account_bytes'][1]}).",
        "",
        "| feed entries | Redis ZSET B/entry | Python sorted list B/entry | array('q') B/entry |",
        "|---:|---:|---:|---:|",
    ]
    for f in m["feed"]:
        lines.append(
            f"| {f['entries']} | {f['redis_zset_bytes_per_entry']} "
            f"| {f['python_sorted_list_bytes_per_entry']} | {f['array_q_bytes_per_entry']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.micro", description=__doc__)
    parser.add_argument("--shard-urls", default="", help="PostgreSQL shard URLs (migrated, empty)")
    parser.add_argument("--redis-port", type=int, default=6392)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    sys.stdout.write(markdown(result) + "\n")


if __name__ == "__main__":
    main()
