"""The load runner: ``python -m bench.run --scale medium --backend postgres`` (or ``make bench``).

Against Chirp it seeds (or reuses) the data, starts Chirp as in production, captures one
answer per read scenario, warms up, drives every scenario with wrk at each concurrency for a
fixed time, then starts the ceiling app on the same server stack with the captured answers and
drives the read scenarios again. ``--base-url`` and ``--tokens`` drive any other
Mastodon-compatible server instead. Results go to ``var/bench/runs/`` as JSON, Markdown and PNG.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import deploy, report, wrk
from bench.ceiling import CANNED
from bench.sampler import TreeSampler, settle
from bench.scenarios import BY_NAME, SCENARIOS, Scenario, load_tokens
from chirp.core.server import SERVERS

DB_PROCESSES = ("postgres", "redis-server")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    p.add_argument("--scale", default="small", help="small, medium or large (seeded data)")
    p.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per scenario")
    p.add_argument("--concurrency", default="16,64", help="comma-separated connection counts")
    p.add_argument(
        "--workers",
        type=int,
        help="server processes (default: one on SQLite, as the embedded default runs; "
        "one per core on PostgreSQL)",
    )
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--server", default="uvicorn", choices=SERVERS, help="HTTP server")
    p.add_argument(
        "--scenarios", default=",".join(s.name for s in SCENARIOS), help="comma-separated"
    )
    p.add_argument("--port", type=int, default=8400)
    p.add_argument("--ceiling-port", type=int, default=8401)
    p.add_argument("--redis-port", type=int, default=6391)
    p.add_argument(
        "--pg", default=os.environ.get("CHIRP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
    )
    p.add_argument("--reseed", action="store_true", help="rebuild the seeded data first")
    p.add_argument("--no-ceiling", action="store_true", help="skip the ceiling runs")
    p.add_argument(
        "--writes",
        default="5,20",
        help="posts and favourites a second from other accounts while reads are measured "
        "(0,0 for none)",
    )
    p.add_argument("--profile", action="store_true", help="py-spy the server during each run")
    p.add_argument("--base-url", help="drive this Mastodon-compatible server instead of Chirp")
    p.add_argument("--tokens", type=Path, help="its token file (seed JSON or one token a line)")
    p.add_argument("--server-pid", type=int, help="a peer server's pid, for its CPU and memory")
    p.add_argument("--out", type=Path, default=deploy.VAR / "runs")
    args = p.parse_args(argv)
    if args.workers is None:
        args.workers = 1 if args.backend == "sqlite" else os.cpu_count() or 2
    if bool(args.base_url) != bool(args.tokens):
        p.error("--base-url and --tokens go together")
    unknown = set(args.scenarios.split(",")) - set(BY_NAME)
    if unknown:
        p.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    chosen = [BY_NAME[name] for name in args.scenarios.split(",")]
    chosen.sort(key=lambda s: not s.read)  # reads first: writes change what reads see
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = "peer" if args.base_url else "chirp"
    stem = f"{stamp}-{target}-{args.backend}-{args.scale}"
    work = args.out / stem
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    profiles: dict[str, list[tuple[str, float]]] = {}
    deployment = None
    try:
        if args.base_url:
            doc = load_tokens(args.tokens, args.base_url.rstrip("/"))
            base_url, pid = args.base_url.rstrip("/"), args.server_pid
            server = None
        else:
            deployment = deploy.prepare(
                args.backend,
                args.scale,
                args.seed,
                port=args.port,
                reseed=args.reseed,
                pg=args.pg,
                redis_port=args.redis_port,
            )
            doc = deployment.tokens()
            server = deploy.start_server(
                "chirp",
                deploy.chirp_command(args.port, args.workers, args.server),
                deployment.env,
                args.port,
            )
            deployment.started.append(server)
            base_url, pid = server.base_url, server.pid
        args.doc = doc
        plans = {
            (s.name, c): wrk.write_plan(work / f"{s.name}-{c}.plan", s.plan(doc, c))
            for s in chosen
            for c in concurrencies
        }
        canned = capture(base_url, [s for s in chosen if s.read], plans, max(concurrencies))
        for scenario in chosen:
            log(f"{target} {scenario.name}: warm-up {args.warmup:.0f} s")
            # With the widest plan: its viewers include every smaller plan's (the first N
            # tokens), so no measurement starts with viewers the server has never seen.
            wrk.run(
                base_url,
                plans[scenario.name, max(concurrencies)],
                connections=max(concurrencies),
                threads=args.threads,
                duration_s=args.warmup,
            )
            for c in concurrencies:
                profile = work / f"{target}-{scenario.name}-{c}.pyspy" if args.profile else None
                loaded = scenario.read and target == "chirp"
                row = measure(target, scenario, c, base_url, plans, pid, args, profile, loaded)
                rows.append(row)
                if profile is not None and profile.exists():
                    profiles[f"{scenario.name} c={c}"] = report.top_frames(profile.read_text())
        if server is not None and deployment is not None and not args.no_ceiling:
            server.stop()
            deployment.started.remove(server)
            rows += run_ceiling(args, deployment.env, canned, chosen, plans, concurrencies, work)
    finally:
        if deployment is not None:
            deployment.stop()
    result = {
        "meta": meta(args, target),
        "rows": rows,
        "profiles": profiles,
    }
    for path in report.write(result, args.out, stem):
        log(f"wrote {path}")
    print((args.out / f"{stem}.md").read_text())


def _writes(args: argparse.Namespace, base_url: str) -> subprocess.Popen[str] | None:
    """Start the write load (bench.writes) for one measurement, if any is asked for."""
    posts, favourites = (float(n) for n in args.writes.split(","))
    if not posts and not favourites:
        return None
    tokens = args.out / "writes-tokens.json"
    tokens.parent.mkdir(parents=True, exist_ok=True)
    tokens.write_text(json.dumps(args.doc))
    tokens.chmod(0o600)  # bearer tokens
    command = [
        sys.executable, "-m", "bench.writes", "--base-url", base_url, "--tokens", str(tokens),
        "--posts", str(posts), "--favourites", str(favourites),
        "--seconds", str(args.duration + 1),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=deploy.ROOT)  # noqa: S603


def _written(writer: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = writer.communicate(timeout=120)
    return dict(json.loads(out.strip().splitlines()[-1]))


def capture(
    base_url: str, reads: list[Scenario], plans: dict[tuple[str, int], Path], connections: int
) -> dict[str, dict[str, Any]]:
    """One real answer per read scenario (the median-sized of a few) for the ceiling."""
    canned = {}
    for scenario in reads:
        answers = []
        for line in plans[scenario.name, connections].read_text().splitlines()[:9]:
            method, path, token, _ = [*line.split("\t"), ""][:4]
            request = urllib.request.Request(  # noqa: S310 - our own URL
                base_url + path, method=method, headers={"Authorization": f"Bearer {token}"}
            )
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                answers.append((answer.read(), answer.headers.get("Link")))
        body, link = sorted(answers, key=lambda a: len(a[0]))[len(answers) // 2]
        canned[scenario.name] = {"body": body.decode(), "link": link, "bytes": len(body)}
    return canned


def measure(
    target: str,
    scenario: Scenario,
    connections: int,
    base_url: str,
    plans: dict[tuple[str, int], Path],
    pid: int | None,
    args: argparse.Namespace,
    profile: Path | None,
    loaded: bool = False,
) -> dict[str, Any]:
    """One scenario at one concurrency; ``loaded``: with the write load running meanwhile."""
    waited = settle(pid)
    writer = _writes(args, base_url) if loaded else None
    log(f"{target} {scenario.name}: {connections} connections, {args.duration:.0f} s")
    server = TreeSampler(pid)
    database = TreeSampler(None, DB_PROCESSES if args.backend == "postgres" else ())
    spy = _start_profile(pid, args.duration, profile) if profile and pid else None
    server.start()
    database.start()
    result = wrk.run(
        base_url,
        plans[scenario.name, connections],
        connections=connections,
        threads=args.threads,
        duration_s=args.duration,
    )
    used = server.stop()
    db = database.stop()
    writes = _written(writer) if writer is not None else None
    if spy is not None:
        spy.wait(timeout=args.duration + 30)
    return {
        "target": target,
        "scenario": scenario.name,
        "read": scenario.read,
        "concurrency": connections,
        "requests": result.requests,
        "rps": round(result.rps, 1),
        "latency_ms": {k: round(v, 2) for k, v in result.latency_ms.items()},
        "errors": result.error_count,
        "error_detail": result.errors,
        "bytes_per_response": round(result.bytes / result.requests) if result.requests else 0,
        "server_cpu_cores": round(used.cores, 2),
        # CPU per request moves far less than throughput when others load the machine.
        "server_cpu_ms_per_request": round(used.cpu_s * 1000 / result.requests, 2)
        if result.requests
        else None,
        "server_peak_rss_mb": round(used.peak_rss_mb, 1),
        "db_cpu_cores": round(db.cores, 2),
        "wrk_cpu_cores": round(result.cpu_s / result.duration_s, 2) if result.duration_s else 0,
        "machine_busy": used.machine_busy,
        "profiled": profile is not None,
        "settled_s": round(waited, 1),
        "writes": writes,
    }


def run_ceiling(
    args: argparse.Namespace,
    env: dict[str, str],
    canned: dict[str, dict[str, Any]],
    chosen: list[Scenario],
    plans: dict[tuple[str, int], Path],
    concurrencies: list[int],
    work: Path,
) -> list[dict[str, Any]]:
    canned_path = work / "canned.json"
    canned_path.write_text(json.dumps(canned))
    ceiling = deploy.start_server(
        "ceiling",
        deploy.ceiling_command(args.ceiling_port, args.workers, args.server),
        {**env, CANNED: str(canned_path)},
        args.ceiling_port,
    )
    rows = []
    try:
        for scenario in (s for s in chosen if s.read):
            wrk.run(
                ceiling.base_url,
                plans[scenario.name, min(concurrencies)],
                connections=min(concurrencies),
                threads=args.threads,
                duration_s=min(args.warmup, 2),
            )
            for c in concurrencies:
                rows.append(
                    measure(
                        "ceiling", scenario, c, ceiling.base_url, plans, ceiling.pid, args, None
                    )
                )
    finally:
        ceiling.stop()
    return rows


def _start_profile(pid: int, duration: float, output: Path) -> subprocess.Popen[bytes]:
    spy = str(Path(sys.executable).parent / "py-spy")
    command = [
        spy, "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--rate", "50",
        "--format", "raw", "--duration", str(max(1, round(duration))), "--output", str(output),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def meta(args: argparse.Namespace, target: str) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": _machine(),
        "command": shlex.join(["python", "-m", "bench.run", *sys.argv[1:]]),
        "target": target,
        "backend": args.backend if target == "chirp" else "peer",
        "scale": args.scale,
        "workers": args.workers,
        "server": _server_name(args.server) if target == "chirp" else args.base_url,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "wrk_threads": args.threads,
    }


def _server_name(server: str) -> str:
    return "uvicorn (uvloop, httptools)" if server == "uvicorn" else f"{server} (uvloop)"


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True, text=True, check=True, cwd=deploy.ROOT,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain"],  # noqa: S607
            capture_output=True, text=True, check=True, cwd=deploy.ROOT,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def _machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = psutil.virtual_memory().total / 2**30
    return f"{model}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
