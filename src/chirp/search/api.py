"""Search routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Security

from chirp.core.auth import Bearer, grants
from chirp.core.errors import Forbidden
from chirp.core.openapi import doc
from chirp.core.params import parse, read_params
from chirp.core.shapes import Account, Search
from chirp.deps import OptionalBearer, get_runtime, user
from chirp.graph.platform import GraphPlatform
from chirp.search import service
from chirp.search.schemas import SearchQuery

RuntimeDep = Annotated[GraphPlatform, Depends(get_runtime)]
router = APIRouter(tags=["search"])


@router.get("/api/v2/search", **doc(Search, query=SearchQuery))
async def search(request: Request, rt: RuntimeDep, bearer: OptionalBearer) -> dict[str, Any]:
    """Accounts, hashtags and statuses matching ``q`` that the viewer may see."""
    if bearer is not None and not grants(bearer.scopes, "read:search"):
        raise Forbidden()
    query = parse(SearchQuery, await read_params(request))
    return await service.search(rt, bearer.account_id if bearer else None, query)


@router.get("/api/v1/accounts/search", **doc(list[Account], query=SearchQuery))
async def search_accounts(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("read:accounts"))],
) -> list[dict[str, Any]]:
    """Accounts whose username or display name matches ``q``."""
    assert bearer.account_id is not None
    query = parse(SearchQuery, await read_params(request))
    return await service.accounts(rt, bearer.account_id, query)
