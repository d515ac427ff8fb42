"""Instance routes. Mastodon.py may ask with a trailing slash; both forms answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from chirp.core.openapi import doc
from chirp.core.shapes import Instance, InstanceV2
from chirp.db.platform import Platform
from chirp.deps import get_runtime
from chirp.instance import service

RuntimeDep = Annotated[Platform, Depends(get_runtime)]
router = APIRouter(tags=["instance"])


@router.get("/api/v1/instance", **doc(Instance))
@router.get("/api/v1/instance/", include_in_schema=False)
async def instance_v1(rt: RuntimeDep) -> dict[str, Any]:
    """Server information (v1, deprecated in Mastodon but still read by clients)."""
    return await service.v1(rt)


@router.get("/api/v2/instance", **doc(InstanceV2))
@router.get("/api/v2/instance/", include_in_schema=False)
async def instance_v2(rt: RuntimeDep) -> dict[str, Any]:
    """Server information, configuration and limits."""
    return await service.v2(rt)
