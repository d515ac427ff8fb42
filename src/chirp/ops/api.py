"""Liveness (the process answers), readiness (every shard database answers) and metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

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


@router.get("/metrics")
async def metrics(rt: RuntimeDep) -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(rt.metrics.registry), media_type=CONTENT_TYPE_LATEST)
