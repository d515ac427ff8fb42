"""Reports from users, and Mastodon's admin API for moderators (accounts, reports) and admins
(domain blocks). Every admin route needs its ``admin:*`` scope and a staff role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Security
from fastapi.responses import JSONResponse

from chirp.core.auth import Bearer
from chirp.core.openapi import doc
from chirp.core.pagination import Page, paged, paging
from chirp.core.params import parse, read_params
from chirp.core.shapes import AdminAccount, AdminReport, DomainBlock, Empty, Report
from chirp.deps import get_runtime, user
from chirp.moderation import deletion, schemas, service
from chirp.moderation.filters import STATUSES, AccountFilter
from chirp.moderation.platform import ModerationPlatform
from chirp.moderation.service import Actor

RuntimeDep = Annotated[ModerationPlatform, Depends(get_runtime)]
router = APIRouter(tags=["moderation"])
Flag = Annotated[bool, Query()]
Text = Annotated[str | None, Query(max_length=320)]
STAFF_PAGE = paging(default=100, maximum=200)


def _staff(scope: str, *, admin: bool = False) -> Any:
    """The caller as a moderator (or an admin), holding ``scope``."""

    # A default, not an annotation: annotations are read as strings, without this closure.
    holding = Security(user(scope))

    async def check(rt: RuntimeDep, bearer: Bearer = holding) -> Actor:
        assert bearer.account_id is not None
        return await service.staff(rt, bearer.account_id, admin=admin)

    return Depends(check)


READ_ACCOUNTS = _staff("admin:read:accounts")
WRITE_ACCOUNTS = _staff("admin:write:accounts")
READ_REPORTS = _staff("admin:read:reports")
WRITE_REPORTS = _staff("admin:write:reports")
READ_DOMAINS = _staff("admin:read:domain_blocks", admin=True)
WRITE_DOMAINS = _staff("admin:write:domain_blocks", admin=True)


def _each(
    name: str,
    param: str,
    staff: Any,
    act: Callable[[ModerationPlatform, Actor, str, Any], Awaitable[dict[str, Any]]],
    entity: Any,
) -> None:
    """``POST .../{param}/{name}``: ``act(rt, actor, id, name)``, answering ``entity`` (the
    undoings of account actions, the steps of a report's handling)."""
    path = {"account_id": "accounts", "report_id": "reports"}[param]

    async def route(
        rt: RuntimeDep, object_id: str = Path(alias=param), actor: Actor = staff
    ) -> dict[str, Any]:
        return await act(rt, actor, object_id, name)

    route.__name__ = f"{path}_{name}"
    route.__doc__ = f"{name.replace('_', ' ').capitalize()} ({path[:-1]})."
    router.post(f"/api/v1/admin/{path}/{{{param}}}/{name}", **doc(entity))(route)


def _listed(request: Request, items: list[dict[str, Any]]) -> JSONResponse:
    return paged(request, items, [int(i["id"]) for i in items])


# -- reports from users ----------------------------------------------------------------------


@router.post("/api/v1/reports", **doc(Report, takes=schemas.ReportCreate))
async def file_report(
    request: Request,
    rt: RuntimeDep,
    bearer: Annotated[Bearer, Security(user("write:reports"))],
) -> dict[str, Any]:
    """Report an account (and some of its statuses) to the moderators."""
    assert bearer.account_id is not None
    data = parse(schemas.ReportCreate, await read_params(request))
    return await service.file_report(rt, bearer.account_id, data)


# -- accounts --------------------------------------------------------------------------------


@router.get("/api/v1/admin/accounts", **doc(list[AdminAccount]))
async def accounts_v1(
    request: Request,
    rt: RuntimeDep,
    _: Annotated[Actor, READ_ACCOUNTS],
    local: Flag = False,
    remote: Flag = False,
    active: Flag = False,
    pending: Flag = False,
    disabled: Flag = False,
    silenced: Flag = False,
    suspended: Flag = False,
    sensitized: Flag = False,
    staff: Flag = False,
    username: Text = None,
    display_name: Text = None,
    email: Text = None,
    by_domain: Text = None,
    ip: Text = None,
    page: Page = STAFF_PAGE,
) -> JSONResponse:
    """Local accounts with what staff see of them, newest first (v1 filters)."""
    flags = dict(
        active=active,
        pending=pending,
        disabled=disabled,
        silenced=silenced,
        suspended=suspended,
        sensitized=sensitized,
    )
    where = AccountFilter(
        remote=remote and not local,
        statuses=tuple(name for name, on in flags.items() if on),
        staff=staff,
        username=username,
        display_name=display_name,
        email=email,
        by_domain=by_domain,
        ip=ip,
    )
    return _listed(request, await service.list_accounts(rt, where, page))


@router.get("/api/v2/admin/accounts", **doc(list[AdminAccount]))
async def accounts_v2(
    request: Request,
    rt: RuntimeDep,
    _: Annotated[Actor, READ_ACCOUNTS],
    origin: Annotated[str | None, Query(pattern="^(local|remote)$")] = None,
    status: Annotated[str | None, Query(pattern=f"^({'|'.join(STATUSES)})$")] = None,
    permissions: Annotated[str | None, Query(pattern="^staff$")] = None,
    role_ids: Annotated[list[str], Query(alias="role_ids[]", max_length=20)] = [],  # noqa: B006
    username: Text = None,
    display_name: Text = None,
    email: Text = None,
    by_domain: Text = None,
    ip: Text = None,
    page: Page = STAFF_PAGE,
) -> JSONResponse:
    """Local accounts with what staff see of them, newest first (v2 filters)."""
    where = AccountFilter(
        remote=origin == "remote",
        statuses=(status,) if status else (),
        staff=permissions == "staff",
        username=username,
        display_name=display_name,
        email=email,
        by_domain=by_domain,
        ip=ip,
        role_ids=tuple(role_ids),
    )
    return _listed(request, await service.list_accounts(rt, where, page))


@router.get("/api/v1/admin/accounts/{account_id}", **doc(AdminAccount))
async def account(
    rt: RuntimeDep, _: Annotated[Actor, READ_ACCOUNTS], account_id: str
) -> dict[str, Any]:
    return await service.get_account(rt, account_id)


@router.post(
    "/api/v1/admin/accounts/{account_id}/action", **doc(Empty, takes=schemas.AccountAction)
)
async def account_action(
    request: Request,
    rt: RuntimeDep,
    actor: Annotated[Actor, WRITE_ACCOUNTS],
    account_id: str,
) -> dict[str, Any]:
    """Suspend, silence, disable, mark sensitive, or only warn (``none``)."""
    action = parse(schemas.AccountAction, await read_params(request))
    await service.act(rt, actor, account_id, action)
    return {}


@router.delete("/api/v1/admin/accounts/{account_id}", **doc(AdminAccount))
async def delete_account(
    rt: RuntimeDep, actor: Annotated[Actor, WRITE_ACCOUNTS], account_id: str
) -> dict[str, Any]:
    """Delete a suspended account's data, everywhere (a job); the account as it was."""
    return await deletion.schedule(rt, actor, account_id, suspended_first=True)


for _what in ("enable", "unsilence", "unsuspend", "unsensitive"):
    _each(_what, "account_id", WRITE_ACCOUNTS, service.undo, AdminAccount)


# -- reports ---------------------------------------------------------------------------------


@router.get("/api/v1/admin/reports", **doc(list[AdminReport]))
async def reports(
    request: Request,
    rt: RuntimeDep,
    _: Annotated[Actor, READ_REPORTS],
    resolved: Annotated[bool | None, Query()] = None,
    account_id: Annotated[str | None, Query(max_length=20)] = None,
    target_account_id: Annotated[str | None, Query(max_length=20)] = None,
    page: Page = STAFF_PAGE,
) -> JSONResponse:
    """Reports, newest first (unresolved only, unless ``resolved`` says otherwise)."""
    where = service.report_filter(
        False if resolved is None else resolved, account_id, target_account_id
    )
    return _listed(request, await service.list_reports(rt, where, page))


@router.get("/api/v1/admin/reports/{report_id}", **doc(AdminReport))
async def report(
    rt: RuntimeDep, _: Annotated[Actor, READ_REPORTS], report_id: str
) -> dict[str, Any]:
    return await service.get_report(rt, report_id)


@router.put("/api/v1/admin/reports/{report_id}", **doc(AdminReport, takes=schemas.ReportUpdate))
async def update_report(
    request: Request,
    rt: RuntimeDep,
    actor: Annotated[Actor, WRITE_REPORTS],
    report_id: str,
) -> dict[str, Any]:
    """Change a report's category or rules."""
    change = parse(schemas.ReportUpdate, await read_params(request))
    return await service.update_report(rt, actor, report_id, change)


for _step in ("assign_to_self", "unassign", "resolve", "reopen"):
    _each(_step, "report_id", WRITE_REPORTS, service.step_report, AdminReport)


# -- domain blocks ---------------------------------------------------------------------------


@router.get("/api/v1/admin/domain_blocks", **doc(list[DomainBlock]))
async def domain_blocks(
    request: Request,
    rt: RuntimeDep,
    _: Annotated[Actor, READ_DOMAINS],
    page: Page = STAFF_PAGE,
) -> JSONResponse:
    """Blocked domains, kept for when Chirp federates."""
    return _listed(request, await service.list_domain_blocks(rt, page))


@router.post("/api/v1/admin/domain_blocks", **doc(DomainBlock, takes=schemas.DomainBlockCreate))
async def create_domain_block(
    request: Request, rt: RuntimeDep, actor: Annotated[Actor, WRITE_DOMAINS]
) -> dict[str, Any]:
    data = parse(schemas.DomainBlockCreate, await read_params(request))
    return await service.create_domain_block(rt, actor, data)


@router.get("/api/v1/admin/domain_blocks/{block_id}", **doc(DomainBlock))
async def domain_block(
    rt: RuntimeDep, _: Annotated[Actor, READ_DOMAINS], block_id: str
) -> dict[str, Any]:
    return await service.get_domain_block(rt, block_id)


@router.put(
    "/api/v1/admin/domain_blocks/{block_id}", **doc(DomainBlock, takes=schemas.DomainBlockFields)
)
async def update_domain_block(
    request: Request, rt: RuntimeDep, actor: Annotated[Actor, WRITE_DOMAINS], block_id: str
) -> dict[str, Any]:
    change = parse(schemas.DomainBlockFields, await read_params(request))
    return await service.update_domain_block(rt, actor, block_id, change)


@router.delete("/api/v1/admin/domain_blocks/{block_id}", **doc(Empty))
async def delete_domain_block(
    rt: RuntimeDep, actor: Annotated[Actor, WRITE_DOMAINS], block_id: str
) -> dict[str, Any]:
    await service.delete_domain_block(rt, actor, block_id)
    return {}
