"""Running an ASGI app factory the way production does: one function for ``chirp serve`` and
for the benchmark's ceiling app, so both always run on the same server setup.

uvicorn with uvloop and httptools by default; granian (a Rust HTTP server, installed
separately) on request. bench/BASELINE.md has the measurements behind the default.

Several uvicorn workers each accept on a listening socket of their own (``SO_REUSEPORT``),
where uvicorn's own supervisor shares one: then the worker that wakes first takes a burst of
new connections, and a keep-alive client's connections (a proxy's, a load runner's) stay
where they landed. Measured, one of two workers held 46 of 64 connections and answered them
at twice the other's latency, which is the whole service's p99. With a socket each, the
kernel spreads connections by a hash of their addresses.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import threading
from multiprocessing.process import BaseProcess
from typing import Any

import structlog

from chirp.core.connections import HEADER_SECONDS, Config, HeadersInTime

SERVERS = ("uvicorn", "granian")
UVICORN: dict[str, Any] = {
    "loop": "uvloop",
    "log_config": None,
    "access_log": False,  # our RequestMiddleware writes the access log
    "proxy_headers": True,
    "server_header": False,
}
BACKLOG = 2048  # uvicorn's default
STARTUP_FAILURE = 3  # uvicorn's exit code for an app that could not start
log = structlog.get_logger(__name__)


def run(
    factory: str,
    *,
    host: str,
    port: int,
    workers: int,
    server: str = "uvicorn",
    header_seconds: float = HEADER_SECONDS,
    trusted_proxies: str = "127.0.0.1",
) -> None:
    """Serve ``factory`` ("module:function" returning an ASGI app) until stopped."""
    if server == "granian":
        _granian(factory, host=host, port=port, workers=workers)
        return
    import uvicorn

    # httptools, with a deadline and a size for each request's headers (chirp.core.connections)
    config = Config(
        factory,
        factory=True,
        host=host,
        port=port,
        header_seconds=header_seconds,
        forwarded_allow_ips=trusted_proxies,
        **UVICORN,
    )
    if workers <= 1:
        uvicorn.Server(config).run()
    elif hasattr(socket, "SO_REUSEPORT"):
        _supervise(config, [_listening(host, port) for _ in range(workers)])
    else:  # (not on Linux, the BSDs or macOS) uvicorn's own workers, on one socket
        uvicorn.run(
            factory,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            http=HeadersInTime,
            forwarded_allow_ips=trusted_proxies,
            **UVICORN,
        )


def _listening(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that other sockets of this user may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise SystemExit(f"cannot listen on {host}:{port}: {error}") from None
    # Listening from now on: what connects before its worker is up waits in the backlog
    # (hashed to a socket not yet listening, it would go to the others, all of it at start).
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def _serve(config: Any, sock: socket.socket) -> None:
    """A worker process: one uvicorn server on its own socket."""
    import uvicorn

    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl+C reaches the whole process group: the parent stops us
        pass


def _supervise(config: Any, sockets: list[socket.socket]) -> None:
    """Run a worker per socket until SIGINT or SIGTERM; replace a worker that dies. The
    sockets stay open here, so what connects while a worker is replaced waits in its
    backlog instead of being refused."""
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    def start(sock: socket.socket) -> BaseProcess:
        process = spawn.Process(target=_serve, args=(config, sock), daemon=False)
        process.start()
        return process

    processes = [start(sock) for sock in sockets]
    code = 0
    while not stop.wait(0.5):
        for n, process in enumerate(processes):
            if process.is_alive():
                continue
            if process.exitcode == STARTUP_FAILURE:  # would fail the same way again
                log.error("worker_failed_to_start", pid=process.pid)
                code = STARTUP_FAILURE
                stop.set()
                break
            log.warning("worker_died", pid=process.pid, exitcode=process.exitcode)
            processes[n] = start(sockets[n])
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: uvicorn finishes what is in flight
    for process in processes:
        process.join()
    for sock in sockets:
        sock.close()
    if code:
        sys.exit(code)


def _granian(factory: str, *, host: str, port: int, workers: int) -> None:
    try:
        from granian import Granian
        from granian.constants import Interfaces, Loops
    except ImportError:
        raise SystemExit("granian is not installed: pip install granian") from None
    Granian(
        factory,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        loop=Loops.uvloop,
        factory=True,
        log_enabled=False,  # our RequestMiddleware writes the access log
    ).serve()
