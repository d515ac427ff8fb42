"""What one request costs, measured in-process and sequentially: CPU milliseconds and SQL
statements per request for each read scenario, immune to other load on the machine (CPU time
is this process's own). ``--profile`` adds a pyinstrument profile of the whole loop.

    python -m bench.request_cost --backend postgres --scale medium [--requests 200] [--profile]

The first ``--warmup`` requests (20) are not measured. With ``--warmup`` at least
``--requests``, every measured request has been made once before, so caches are warm (the
status scenario asks for a different status each time: with the default, mostly cold ones).

It reads the data a load run seeded (``python -m bench.run`` / ``make bench``) and uses the
same token document; Chirp runs in this process behind httpx's ASGI transport.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from bench import deploy
from bench.scenarios import BY_NAME

READS = ("home", "public", "account", "status")


async def drive(rt: Any, requests: int) -> None:
    """``requests`` requests of each read scenario, one after another (for bench.explain)."""
    await measure(requests, False, rt)


async def measure(
    requests: int, profile: bool, rt: Any = None, warmup: int | None = None
) -> tuple[list[dict[str, Any]], str]:
    from chirp.app import create_app
    from chirp.config import get_settings
    from chirp.runtime import Runtime

    settings = get_settings()
    owned = rt is None
    rt = rt or Runtime.build(settings)
    doc = json.loads((settings.data_dir / "seed-tokens.json").read_text())
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    for physical in rt.shards.physical:
        event.listen(physical.engine.sync_engine, "before_cursor_execute", count)
    app = create_app(runtime=rt)
    transport = httpx.ASGITransport(app=app)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="enabled")
    out = []
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_url) as client:
        for name in READS:
            lines = BY_NAME[name].plan(doc, 64)

            async def one(n: int, lines: list[tuple[str, str, str, str]] = lines) -> int:
                method, path, token, _ = lines[n % len(lines)]
                answer = await client.request(
                    method, path, headers={"Authorization": f"Bearer {token}"}
                )
                return answer.status_code

            # Warm caches, pools and prepared statements.
            for n in range(min(20, requests) if warmup is None else warmup):
                await one(n)
            statements = 0
            if profiler is not None:
                profiler.start()
            cpu, wall = time.process_time(), time.perf_counter()
            codes = [await one(n) for n in range(requests)]
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if profiler is not None:
                profiler.stop()
            out.append(
                {
                    "scenario": name,
                    "requests": requests,
                    "cpu_ms": round(cpu * 1000 / requests, 2),
                    "wall_ms": round(wall * 1000 / requests, 2),
                    "sql_per_request": round(statements / requests, 1),
                    "non_2xx": sum(1 for c in codes if not 200 <= c < 300),
                }
            )
    if owned:
        await rt.close()
    text = profiler.output_text(unicode=True, color=False) if profiler is not None else ""
    return out, text


def environment(backend: str, scale: str, seed: int) -> None:
    """The environment a load run gives Chirp, minus Redis (not needed in one process)."""
    folder = deploy.VAR / f"{backend}-{scale}-{seed}"
    if not (folder / "seeded").exists():
        raise SystemExit(f"no seeded data in {folder}: run the load runner for it first")
    os.environ.update(
        {
            "CHIRP_ENV": "test",
            "CHIRP_DATA_DIR": str(folder),
            "CHIRP_SECRET_KEY": "request-cost-" + "x" * 40,
            "CHIRP_LOG_LEVEL": "ERROR",
            "CHIRP_NODE_ID": "61",
            # The rate limits on (unless CHIRP_RATE_LIMITS=false is set), never reached.
            **deploy.UNREACHED_LIMITS,
        }
    )
    if backend == "postgres":
        pg = os.environ.get("CHIRP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
        base = pg.replace("postgresql://", "postgresql+asyncpg://", 1)
        names = [f"chirp_bench_{scale}_{seed}_{n}" for n in range(2)]
        os.environ["CHIRP_SHARD_URLS"] = ",".join(f"{base}/{n}" for n in names)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.request_cost", description=__doc__)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, help="unmeasured requests first (20)")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile here")
    args = parser.parse_args()
    environment(args.backend, args.scale, args.seed)
    profiling = args.profile is not None
    rows, profile = asyncio.run(measure(args.requests, profiling, warmup=args.warmup))
    if args.profile:
        args.profile.write_text(profile)
    print("| scenario | CPU ms/request | wall ms/request | SQL/request | non-2xx |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['scenario']} | {r['cpu_ms']} | {r['wall_ms']} | {r['sql_per_request']} "
            f"| {r['non_2xx']} |"
        )


if __name__ == "__main__":
    main()
