"""Running an ASGI app factory the way production does: one function for ``chirp serve`` and
for the benchmark's ceiling app, so both always run on the same server setup.

uvicorn with uvloop and httptools by default; granian (a Rust HTTP server, installed
separately) on request. bench/BASELINE.md has the measurements behind the default.
"""

from __future__ import annotations

SERVERS = ("uvicorn", "granian")


def run(factory: str, *, host: str, port: int, workers: int, server: str = "uvicorn") -> None:
    """Serve ``factory`` ("module:function" returning an ASGI app) until stopped."""
    if server == "granian":
        _granian(factory, host=host, port=port, workers=workers)
        return
    import uvicorn

    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,  # our RequestMiddleware writes the access log
        proxy_headers=True,
        server_header=False,
    )


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
