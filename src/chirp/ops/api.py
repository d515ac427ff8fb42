"""Liveness (the process answers), readiness (every shard database answers) and metrics."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chirp.core.errors import Forbidden, Unauthorized
from chirp.core.openapi import doc
from chirp.db.platform import Platform
from chirp.deps import get_runtime

RuntimeDep = Annotated[Platform, Depends(get_runtime)]
router = APIRouter(tags=["ops"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(rt: RuntimeDep) -> JSONResponse:
    """Every shard database is reachable; 503 otherwise."""
    results = await rt.shards.ping()
    shards = {str(i): ("ok" if err is None else err) for i, err in results.items()}
    ok = all(err is None for err in results.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "shards": shards},
        status_code=200 if ok else 503,
    )


@router.get("/metrics", **doc(text="text/plain"))
async def metrics(request: Request, rt: RuntimeDep) -> Response:
    """Prometheus metrics: with ``CHIRP_METRICS_TOKEN`` set, for its bearer only; without it,
    for a scraper on this host only (a request through the proxy counts as its client's)."""
    token = rt.settings.metrics_token
    if token:
        presented = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(presented.encode(), token.encode()):
            raise Unauthorized("The metrics need CHIRP_METRICS_TOKEN as a bearer token")
    elif not _loopback(request.client.host if request.client else None):
        raise Forbidden("Metrics are served to this host only (or set CHIRP_METRICS_TOKEN)")
    return Response(generate_latest(rt.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:  # not an address (a test client's name, a Unix socket)
        return False
