"""CPU and memory of a process tree while a scenario runs (psutil, sampled in a thread)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import psutil


@dataclass(frozen=True, slots=True)
class Usage:
    cpu_s: float  # user+system seconds of the whole tree during the window
    wall_s: float
    peak_rss_mb: float
    machine_busy: float  # share of all cores busy on the machine (others' work included)

    @property
    def cores(self) -> float:
        """Average cores the tree kept busy (1.0 = one core flat out)."""
        return self.cpu_s / self.wall_s if self.wall_s else 0.0


class TreeSampler:
    """Samples the tree under ``pid`` (and optionally processes matched by name, such as the
    database) every ``interval`` seconds between ``start`` and ``stop``."""

    def __init__(self, pid: int | None, names: tuple[str, ...] = (), interval: float = 0.25):
        self.pid = pid
        self.names = names
        self.interval = interval
        self._cpu: dict[int, float] = {}
        self._first: dict[int, float] = {}
        self._peak_rss = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self._machine: psutil._common.scputimes | None = None  # type: ignore[name-defined]

    def _processes(self) -> list[psutil.Process]:
        found: list[psutil.Process] = []
        if self.pid is not None:
            try:
                root = psutil.Process(self.pid)
                found = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        if self.names:
            found += [p for p in psutil.process_iter(["name"]) if p.info["name"] in self.names]
        return found

    def _sample(self) -> None:
        rss = 0
        for proc in self._processes():
            try:
                times = proc.cpu_times()
                rss += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total = times.user + times.system
            self._first.setdefault(proc.pid, total)
            self._cpu[proc.pid] = total
        self._peak_rss = max(self._peak_rss, rss)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> None:
        self._sample()
        self._started = time.perf_counter()
        self._machine = psutil.cpu_times()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> Usage:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        wall = time.perf_counter() - self._started
        cpu = sum(self._cpu[pid] - self._first[pid] for pid in self._cpu)
        now = psutil.cpu_times()
        busy = 0.0
        if self._machine is not None:
            idle = (now.idle + getattr(now, "iowait", 0)) - (
                self._machine.idle + getattr(self._machine, "iowait", 0)
            )
            total = sum(now) - sum(self._machine)
            busy = 1 - idle / total if total else 0.0
        return Usage(cpu, wall, self._peak_rss / 2**20, round(busy, 3))


def settle(pid: int | None, *, idle_cores: float = 0.15, timeout: float = 30.0) -> float:
    """Wait until the tree under ``pid`` is nearly idle (requests queued by the previous run
    have drained), so one scenario's backlog does not land in the next; seconds waited."""
    if pid is None:
        return 0.0
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        sampler = TreeSampler(pid)
        sampler.start()
        time.sleep(0.5)
        if sampler.stop().cores <= idle_cores:
            break
    return time.perf_counter() - started
