"""Which server setup serves Chirp best: the same read scenario on each, in one run.

    python -m bench.servers --backend postgres --scale medium --scenario home

Setups: uvicorn with uvloop and httptools (``chirp serve``'s default), with asyncio's own
loop, with h11 for HTTP; Chirp's access log on and off (``CHIRP_LOG_LEVEL``); granian when it
is installed (``pip install granian``: not a dependency of Chirp); one worker process and one
per core (several workers on SQLite share only the database, so they are measured on
PostgreSQL only). Each setup serves the seeded data of ``bench.run`` (run it once first) for
``--duration`` seconds after a warm-up, without the write load, at one concurrency; the table
gives requests a second, latency and the server's CPU per request. The ratio column compares
each setup with the first, measured minutes apart on the same machine: run it on a quiet one.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import deploy, wrk
from bench.run import log
from bench.sampler import TreeSampler, settle
from bench.scenarios import BY_NAME


@dataclass(frozen=True, slots=True)
class Setup:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)


def setups(port: int, workers: int, backend: str) -> list[Setup]:
    def uvicorn(loop: str, http: str) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn", "chirp.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--loop", loop, "--http", http,
            "--no-access-log", "--no-server-header", "--log-level", "warning",
        ]  # fmt: skip

    serve = deploy.chirp_command(port, 1, "uvicorn")
    chosen = [
        Setup("chirp serve (uvicorn, uvloop, httptools), 1 worker", serve),
        Setup("uvicorn, asyncio loop, httptools", uvicorn("asyncio", "httptools")),
        Setup("uvicorn, uvloop, h11", uvicorn("uvloop", "h11")),
        Setup("chirp serve, access log off", serve, {"CHIRP_LOG_LEVEL": "WARNING"}),
    ]
    if importlib.util.find_spec("granian") is not None:
        chosen.append(Setup("granian (uvloop), 1 worker", deploy.chirp_command(port, 1, "granian")))
    if backend == "postgres" and workers > 1:
        chosen.append(
            Setup(f"chirp serve, {workers} workers", deploy.chirp_command(port, workers, "uvicorn"))
        )
        if importlib.util.find_spec("granian") is not None:
            chosen.append(
                Setup(f"granian, {workers} workers", deploy.chirp_command(port, workers, "granian"))
            )
    return chosen


def measure(
    setup: Setup, env: dict[str, str], plan: Path, args: argparse.Namespace
) -> dict[str, Any]:
    server = deploy.start_server("servers", setup.command, {**env, **setup.env}, args.port)
    try:
        wrk.run(
            server.base_url, plan, connections=args.connections, threads=2, duration_s=args.warmup
        )
        settle(server.pid)
        sampler = TreeSampler(server.pid)
        sampler.start()
        result = wrk.run(
            server.base_url, plan, connections=args.connections, threads=2, duration_s=args.duration
        )
        used = sampler.stop()
    finally:
        server.stop()
    return {
        "setup": setup.name,
        "rps": result.rps,
        "p50": result.latency_ms.get("p50", 0.0),
        "p99": result.latency_ms.get("p99", 0.0),
        "errors": result.error_count,
        "cpu_ms": used.cpu_s * 1000 / result.requests if result.requests else 0.0,
        "busy": used.machine_busy,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.servers", description=__doc__)
    p.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    p.add_argument("--scale", default="small")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scenario", default="home", choices=[n for n, s in BY_NAME.items() if s.read])
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--duration", type=float, default=8.0)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    p.add_argument("--port", type=int, default=8790)
    p.add_argument("--redis-port", type=int, default=6390)
    p.add_argument(
        "--pg", default=os.environ.get("CHIRP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
    )
    p.add_argument("--out", type=Path, default=deploy.VAR / "runs")
    args = p.parse_args(argv)
    deployment = deploy.prepare(
        args.backend, args.scale, args.seed, port=args.port, reseed=False,
        pg=args.pg, redis_port=args.redis_port,
    )  # fmt: skip
    rows = []
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        plan = wrk.write_plan(
            args.out / f"servers-{args.scenario}.plan",
            BY_NAME[args.scenario].plan(deployment.tokens(), args.connections),
        )
        for setup in setups(args.port, args.workers, args.backend):
            log(f"{setup.name}: {args.scenario}, {args.connections} connections")
            rows.append(measure(setup, deployment.env, plan, args))
    finally:
        deployment.stop()
    first = rows[0]["rps"] or 1.0
    print(f"\n{args.scenario} on {args.backend}/{args.scale}, {args.connections} connections\n")
    print("| setup | req/s | vs first | p50 ms | p99 ms | errors | CPU ms/req | machine busy |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['setup']} | {r['rps']:,.0f} | {r['rps'] / first:.2f} | {r['p50']:.1f} | "
            f"{r['p99']:.1f} | {r['errors']} | {r['cpu_ms']:.2f} | {r['busy']:.0%} |"
        )


if __name__ == "__main__":
    main()
