"""`chirp worker`: processes that consume the broker and relay the outbox (a composition
root, like ``chirp.app`` for the API)."""

from __future__ import annotations

import asyncio
import multiprocessing
import signal

import structlog
from prometheus_client import start_http_server

from chirp.config import Settings
from chirp.runtime import Runtime

log = structlog.get_logger(__name__)


async def run(settings: Settings, metrics_port: int | None = None) -> None:
    """One worker until SIGTERM/SIGINT: consume jobs, and relay what the outbox holds."""
    rt = Runtime.build(settings)
    if metrics_port:
        start_http_server(metrics_port, addr="127.0.0.1", registry=rt.metrics.registry)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await rt.jobs.start(consume=True)
    log.info("worker_started", node=rt.ids.node, strategy=rt.home.name)
    await stop.wait()
    log.info("worker_stopping")
    await rt.close()


def _child(metrics_port: int | None) -> None:
    from chirp.config import load_settings
    from chirp.core.logging import configure_logging

    settings = load_settings()
    configure_logging(settings)
    asyncio.run(run(settings, metrics_port))


def run_many(processes: int, metrics_port: int | None) -> None:
    """Several workers as separate processes (each leases its own id-generator node)."""
    if processes == 1:
        _child(metrics_port)
        return
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_child, args=(metrics_port + n if metrics_port else None,))
        for n in range(processes)
    ]
    for child in children:
        child.start()

    def forward(signum: int, _: object) -> None:
        for child in children:
            if child.pid is not None and child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for child in children:
        child.join()
