"""Moderation use cases: reports from users, staff actions on accounts and reports, domain
blocks, and the audit log every staff action writes.

A moderator's action on an account changes one column of its row (``suspended_at`` and its
kin) in the same transaction as its audit entry and the reports it resolves. What the action
means for everyone else (posts gone or quiet, tokens refused, streams closed) follows from
``chirp.accounts.standing``, which every process reloads once the change is committed: no
row of the account's is touched, so an undo brings everything back as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import structlog
from sqlalchemy import ColumnElement, false

from chirp.accounts.models import Account, Credential
from chirp.accounts.repository import AccountRepository
from chirp.accounts.schemas import account_public
from chirp.core.errors import Forbidden, NotFound, Unprocessable
from chirp.core.ids import parse_id, shard_of
from chirp.core.pagination import Page
from chirp.db.shards import shard_for_key
from chirp.db.uow import UnitOfWork
from chirp.moderation import schemas
from chirp.moderation.filters import AccountFilter
from chirp.moderation.models import AuditEntry, DomainBlock, Report
from chirp.moderation.platform import ModerationPlatform
from chirp.moderation.repository import ModerationRepository
from chirp.posts.access import visible_status
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews

log = structlog.get_logger(__name__)
NOT_ALLOWED = "This action is not allowed"  # Mastodon's words
RANK = {"user": 0, "moderator": 1, "admin": 2}
# What each action sets, and what its undoing clears.
COLUMNS = {
    "suspend": "suspended_at",
    "silence": "silenced_at",
    "disable": "disabled_at",
    "sensitive": "sensitized_at",
}
UNDO = {
    "unsuspend": "suspended_at",
    "unsilence": "silenced_at",
    "enable": "disabled_at",
    "unsensitive": "sensitized_at",
}
# The actions every process must hear of (chirp.accounts.standing holds them).
HELD = {"suspended_at", "silenced_at", "disabled_at"}
Undo = Literal["unsuspend", "unsilence", "enable", "unsensitive"]
ReportStep = Literal["assign_to_self", "unassign", "resolve", "reopen"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a staff account, or the server's operator (``chirp admin``, no account)."""

    account_id: int | None
    role: str

    @property
    def rank(self) -> int:
        return RANK.get(self.role, 0) if self.account_id is not None else len(RANK)


OPERATOR = Actor(None, "admin")


async def staff(rt: ModerationPlatform, account_id: int, *, admin: bool = False) -> Actor:
    """The caller as a moderator; 403 unless its role allows (domain blocks: admins only)."""
    async with rt.uow() as uow:
        credential = await AccountRepository(uow).credential(account_id)
    actor = Actor(account_id, credential.role if credential else "user")
    if actor.rank < RANK["admin" if admin else "moderator"]:
        raise Forbidden(NOT_ALLOWED)
    return actor


def audit(
    rt: ModerationPlatform,
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    target: tuple[str, int],
    **detail: str,
) -> None:
    kind, target_id = target
    ModerationRepository(uow).add(
        AuditEntry(
            id=rt.ids.next_id(shard_of(target_id)),
            account_id=actor.account_id,
            action=action,
            target_type=kind,
            target_id=target_id,
            detail=detail,
            created_at=rt.clock.now(),
        )
    )
    uow.after_commit(lambda: _logged(actor, action, kind, target_id, detail))


async def _logged(
    actor: Actor, action: str, kind: str, target_id: int, detail: dict[str, str]
) -> None:
    log.info(
        "moderation_action",
        actor_id=actor.account_id,
        actor_role=actor.role,
        action=action,
        target_type=kind,
        target_id=target_id,
        **detail,
    )


# -- accounts --------------------------------------------------------------------------------


async def target_of(uow: UnitOfWork, raw_id: str) -> tuple[Account, Credential | None]:
    account_id = parse_id(raw_id)
    accounts = AccountRepository(uow)
    account = await accounts.get(account_id) if account_id else None
    if account is None:
        raise NotFound()
    return account, await accounts.credential(account.id)


def may_act_on(actor: Actor, account: Account, credential: Credential | None) -> None:
    """Staff act on those they outrank: not on themselves, nor a moderator on an admin."""
    role = credential.role if credential else "user"
    if account.id == actor.account_id or actor.rank <= RANK.get(role, 0):
        raise Forbidden(NOT_ALLOWED)


async def list_accounts(
    rt: ModerationPlatform, where: AccountFilter, page: Page
) -> list[dict[str, Any]]:
    conditions = where.conditions()
    if conditions is None:
        return []  # asks for what this server has none of (remote or pending accounts)
    async with rt.uow() as uow:
        rows = await ModerationRepository(uow).accounts(page, conditions)
    return [schemas.admin_account(a, c, rt.settings.public_url) for a, c in rows]


async def get_account(rt: ModerationPlatform, raw_id: str) -> dict[str, Any]:
    async with rt.uow() as uow:
        account, credential = await target_of(uow, raw_id)
    return schemas.admin_account(account, credential, rt.settings.public_url)


async def act(
    rt: ModerationPlatform, actor: Actor, raw_id: str, action: schemas.AccountAction
) -> None:
    """``POST /api/v1/admin/accounts/:id/action``: set the action's flag, write it to the
    audit log, and resolve the report it answers (any other action than ``none`` resolves
    every open report on the account, as Mastodon does)."""
    now = rt.clock.now()
    async with rt.uow(write=True) as uow:
        account, credential = await target_of(uow, raw_id)
        may_act_on(actor, account, credential)
        repo = ModerationRepository(uow)
        reports = []
        if action.report_id:
            report_id = parse_id(action.report_id)
            report = await repo.report(report_id) if report_id else None
            if report is None or report.target_account_id != account.id:
                raise NotFound()
            reports.append(report)
        if action.type != "none":
            reports += [r for r in await repo.open_reports_on(account.id) if r not in reports]
        column = COLUMNS.get(action.type)
        if column is not None and getattr(account, column) is None:
            setattr(account, column, now)
        for report in reports:
            _resolve(report, actor, now)
        detail = {"text": action.text} if action.text else {}
        if action.report_id:
            detail["report_id"] = action.report_id
        audit(rt, uow, actor, action.type, ("account", account.id), **detail)
        await uow.commit()
    if column in HELD:
        await rt.standing.changed(rt.uow)


async def undo(rt: ModerationPlatform, actor: Actor, raw_id: str, what: Undo) -> dict[str, Any]:
    """``unsuspend``, ``unsilence``, ``enable``, ``unsensitive``: the account as it is now."""
    column = UNDO[what]
    async with rt.uow(write=True) as uow:
        account, credential = await target_of(uow, raw_id)
        may_act_on(actor, account, credential)
        setattr(account, column, None)
        audit(rt, uow, actor, what, ("account", account.id))
        await uow.commit()
    if column in HELD:
        await rt.standing.changed(rt.uow)
    return schemas.admin_account(account, credential, rt.settings.public_url)


async def set_role(rt: ModerationPlatform, actor: Actor, raw_id: str, role: str) -> None:
    """Make an account an admin, a moderator or a user again (``chirp admin role``)."""
    if role not in RANK:
        raise Unprocessable(f"Validation failed: role must be one of {', '.join(RANK)}")
    async with rt.uow(write=True) as uow:
        account, credential = await target_of(uow, raw_id)
        if credential is None:
            raise NotFound()
        credential.role = role
        audit(rt, uow, actor, "change_role", ("account", account.id), role=role)
        await uow.commit()


# -- reports ---------------------------------------------------------------------------------


async def file_report(
    rt: ModerationPlatform, reporter_id: int, data: schemas.ReportCreate
) -> dict[str, Any]:
    """``POST /api/v1/reports``: the reported statuses must be the account's and visible to
    the reporter (404 otherwise, as for any status the reporter may not see)."""
    now = rt.clock.now()
    async with rt.uow(write=True) as uow:
        target, _ = await target_of(uow, data.account_id)
        status_ids = []
        for raw in dict.fromkeys(data.status_ids):
            status, _ = await visible_status(rt, uow, raw, reporter_id)
            if status.account_id != target.id:
                raise NotFound()
            status_ids.append(str(status.id))
        row = Report(
            id=rt.ids.next_id(shard_of(reporter_id)),
            account_id=reporter_id,
            target_account_id=target.id,
            status_ids=status_ids,
            rule_ids=list(dict.fromkeys(data.rule_ids)),
            comment=data.comment,
            category=data.category or ("violation" if data.rule_ids else "other"),
            forwarded=False,  # nothing to forward to before federation
            assigned_account_id=None,
            action_taken_at=None,
            action_taken_by_account_id=None,
            created_at=now,
            updated_at=now,
        )
        ModerationRepository(uow).add(row)
        await uow.commit()
    log.info("report_filed", report_id=row.id, account_id=reporter_id, target_id=target.id)
    return schemas.report(row, account_public(target, rt.settings.public_url))


def report_filter(
    resolved: bool | None, account_id: str | None, target_account_id: str | None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if resolved is not None:
        taken = Report.action_taken_at
        where.append(taken.is_not(None) if resolved else taken.is_(None))
    for raw, column in (
        (account_id, Report.account_id),
        (target_account_id, Report.target_account_id),
    ):
        if raw is not None:
            wanted = parse_id(raw)
            where.append(column == wanted if wanted is not None else false())
    return where


async def list_reports(
    rt: ModerationPlatform, where: list[ColumnElement[bool]], page: Page
) -> list[dict[str, Any]]:
    async with rt.uow() as uow:
        rows = await ModerationRepository(uow).reports(page, where)
        return await _admin_reports(rt, uow, rows)


async def get_report(rt: ModerationPlatform, raw_id: str) -> dict[str, Any]:
    async with rt.uow() as uow:
        row = await _report(uow, raw_id)
        return (await _admin_reports(rt, uow, [row]))[0]


async def update_report(
    rt: ModerationPlatform, actor: Actor, raw_id: str, change: schemas.ReportUpdate
) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        row = await _report(uow, raw_id)
        if change.category is not None:
            row.category = change.category
        if change.rule_ids is not None:
            row.rule_ids = list(dict.fromkeys(change.rule_ids))
        row.updated_at = rt.clock.now()
        audit(rt, uow, actor, "update_report", ("report", row.id), category=row.category)
        await uow.commit()
    return await get_report(rt, raw_id)


async def step_report(
    rt: ModerationPlatform, actor: Actor, raw_id: str, step: ReportStep
) -> dict[str, Any]:
    now = rt.clock.now()
    async with rt.uow(write=True) as uow:
        row = await _report(uow, raw_id)
        if step == "assign_to_self":
            row.assigned_account_id = actor.account_id
        elif step == "unassign":
            row.assigned_account_id = None
        elif step == "resolve":
            _resolve(row, actor, now)
        else:
            row.action_taken_at = row.action_taken_by_account_id = None
        row.updated_at = now
        audit(rt, uow, actor, step, ("report", row.id))
        await uow.commit()
    return await get_report(rt, raw_id)


def _resolve(report: Report, actor: Actor, now: Any) -> None:
    if report.action_taken_at is None:
        report.action_taken_at = report.updated_at = now
        report.action_taken_by_account_id = actor.account_id


async def _report(uow: UnitOfWork, raw_id: str) -> Report:
    report_id = parse_id(raw_id)
    row = await ModerationRepository(uow).report(report_id) if report_id else None
    if row is None:
        raise NotFound()
    return row


async def _admin_reports(
    rt: ModerationPlatform, uow: UnitOfWork, rows: list[Report]
) -> list[dict[str, Any]]:
    people = {
        i
        for r in rows
        for i in (
            r.account_id,
            r.target_account_id,
            r.assigned_account_id,
            r.action_taken_by_account_id,
        )
        if i is not None
    }
    found = await AccountRepository(uow).get_many(people)
    credentials = await ModerationRepository(uow).credentials(set(found))
    base = rt.settings.public_url
    accounts = {i: schemas.admin_account(a, credentials.get(i), base) for i, a in found.items()}
    wanted = {int(s) for r in rows for s in r.status_ids}
    statuses = await StatusRepository(uow).get_many(wanted)
    rendered = {
        int(e["id"]): e for e in await StatusViews.of(rt, uow, None).render(list(statuses.values()))
    }
    return [
        schemas.admin_report(
            r, accounts, [rendered[int(s)] for s in r.status_ids if int(s) in rendered]
        )
        for r in rows
    ]


# -- domain blocks ---------------------------------------------------------------------------


def _domain(raw: str) -> str:
    domain = raw.lower()
    if not schemas.DOMAIN.fullmatch(domain):
        raise Unprocessable(
            "Validation failed: Domain is not a valid domain name",
            details={"domain": [{"error": "ERR_INVALID", "description": "is invalid"}]},
        )
    return domain


async def list_domain_blocks(rt: ModerationPlatform, page: Page) -> list[dict[str, Any]]:
    async with rt.uow() as uow:
        rows = await ModerationRepository(uow).domain_blocks(page)
    return [schemas.domain_block(r) for r in rows]


async def get_domain_block(rt: ModerationPlatform, raw_id: str) -> dict[str, Any]:
    async with rt.uow() as uow:
        return schemas.domain_block(await _domain_block(uow, raw_id))


async def create_domain_block(
    rt: ModerationPlatform, actor: Actor, data: schemas.DomainBlockCreate
) -> dict[str, Any]:
    domain = _domain(data.domain)
    now = rt.clock.now()
    async with rt.uow(write=True) as uow:
        repo = ModerationRepository(uow)
        existing = await repo.domain_block_for(domain)
        if existing is not None:
            raise DomainBlocked(existing)
        row = DomainBlock(
            id=rt.ids.next_id(shard_for_key(domain)),
            domain=domain,
            severity="silence",
            reject_media=False,
            reject_reports=False,
            obfuscate=False,
            created_at=now,
        )
        _apply(row, data, now)
        repo.add(row)
        audit(rt, uow, actor, "create_domain_block", ("domain_block", row.id), domain=domain)
        if not await uow.commit_unless_duplicate():  # the same domain, blocked meanwhile
            async with rt.uow() as reading:
                raced = await ModerationRepository(reading).domain_block_for(domain)
            if raced is not None:
                raise DomainBlocked(raced)
            raise Unprocessable("Validation failed: Domain is already blocked")
    return schemas.domain_block(row)


async def update_domain_block(
    rt: ModerationPlatform, actor: Actor, raw_id: str, change: schemas.DomainBlockFields
) -> dict[str, Any]:
    async with rt.uow(write=True) as uow:
        row = await _domain_block(uow, raw_id)
        _apply(row, change, rt.clock.now())
        audit(rt, uow, actor, "update_domain_block", ("domain_block", row.id), domain=row.domain)
        await uow.commit()
    return schemas.domain_block(row)


async def delete_domain_block(rt: ModerationPlatform, actor: Actor, raw_id: str) -> None:
    async with rt.uow(write=True) as uow:
        row = await _domain_block(uow, raw_id)
        await ModerationRepository(uow).delete(row)
        audit(rt, uow, actor, "delete_domain_block", ("domain_block", row.id), domain=row.domain)
        await uow.commit()


def _apply(row: DomainBlock, change: schemas.DomainBlockFields, now: Any) -> None:
    for name in (
        "severity",
        "reject_media",
        "reject_reports",
        "private_comment",
        "public_comment",
        "obfuscate",
    ):
        value = getattr(change, name)
        if value is not None:
            setattr(row, name, value)
    row.updated_at = now


async def _domain_block(uow: UnitOfWork, raw_id: str) -> DomainBlock:
    block_id = parse_id(raw_id)
    row = await ModerationRepository(uow).domain_block(block_id) if block_id else None
    if row is None:
        raise NotFound()
    return row


class DomainBlocked(Unprocessable):
    """A second block of a domain: Mastodon's 422 names the block already there."""

    def __init__(self, existing: DomainBlock) -> None:
        super().__init__(f"You have already imposed stricter limits on {existing.domain}.")
        self.existing = existing

    def body(self) -> dict[str, Any]:
        return {**super().body(), "existing_domain_block": schemas.domain_block(self.existing)}


# -- the audit log ---------------------------------------------------------------------------


async def audit_log(rt: ModerationPlatform, page: Page) -> list[AuditEntry]:
    async with rt.uow() as uow:
        return await ModerationRepository(uow).audit(page)
