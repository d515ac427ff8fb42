"""Running wrk with the plan script, and reading its summary."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).parent / "lua" / "plan.lua"
MARKER = "WRKJSON "


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    duration_s: float
    bytes: int
    errors: dict[str, int]
    latency_ms: dict[str, float]
    cpu_s: float = 0.0  # wrk's own user+system time

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        """Non-2xx answers (wrk counts status >= 400) plus socket errors and timeouts."""
        return sum(self.errors.values())


def parse(stdout: str, cpu_s: float = 0.0) -> WrkResult:
    """The summary line our Lua ``done`` prints; ValueError when wrk printed none."""
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER) :])
            return WrkResult(
                requests=int(data["requests"]),
                duration_s=data["duration_us"] / 1e6,
                bytes=int(data["bytes"]),
                errors={k: int(v) for k, v in data["errors"].items()},
                latency_ms={k: v / 1000 for k, v in data["latency_us"].items()},
                cpu_s=cpu_s,
            )
    raise ValueError(f"no wrk summary in output: {stdout[-500:]!r}")


def write_plan(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    """(method, path, token, form body) per request; tabs and newlines are not allowed."""
    for line in lines:
        if any("\t" in part or "\n" in part for part in line):
            raise ValueError(f"a plan field holds a tab or newline: {line!r}")
    path.write_text("".join("\t".join(line) + "\n" for line in lines))
    return path


def command(
    base_url: str, plan: Path, *, connections: int, threads: int, duration_s: float
) -> list[str]:
    threads = max(1, min(threads, connections))
    return [
        wrk_binary(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        base_url,
        "--",
        str(plan),
        str(threads),
    ]


def run(
    base_url: str, plan: Path, *, connections: int, threads: int, duration_s: float
) -> WrkResult:
    """One wrk run; its CPU time is measured as the child's rusage."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(  # noqa: S603 - our own argument list
        command(base_url, plan, connections=connections, threads=threads, duration_s=duration_s),
        capture_output=True,
        text=True,
        timeout=duration_s + 60,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return parse(done.stdout, cpu)


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk (make bench does it)")
    return found
