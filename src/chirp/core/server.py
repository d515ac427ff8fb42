"""Running an ASGI app factory the way production does: one function for ``chirp serve`` and
for the benchmark's ceiling app, so both always run on the same server setup.

uvicorn with uvloop and httptools, the worker count given (see bench/BASELINE.md for the
measurements behind this choice).
"""

from __future__ import annotations


def run(factory: str, *, host: str, port: int, workers: int) -> None:
    """Serve ``factory`` ("module:function" returning an ASGI app) until stopped."""
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
        access_log=False,  # our AccessLogMiddleware writes the access log
        proxy_headers=True,
        server_header=False,
    )
