"""What ``chirp admin`` does: the same use cases as the admin API, by username, acting as the
server's operator (who outranks every account and is written to the audit log as nobody)."""

from __future__ import annotations

from chirp.accounts.repository import AccountRepository
from chirp.core.errors import NotFound
from chirp.core.pagination import Page
from chirp.moderation import deletion, service
from chirp.moderation.platform import ModerationPlatform
from chirp.moderation.schemas import AccountAction

ACTIONS = ("suspend", "silence", "disable", "sensitive")


async def _id_of(rt: ModerationPlatform, username: str) -> str:
    async with rt.uow() as uow:
        account = await AccountRepository(uow).by_username(username.lstrip("@"))
    if account is None:
        raise NotFound(f"No account @{username.lstrip('@')}")
    return str(account.id)


async def act(rt: ModerationPlatform, username: str, what: str, text: str = "") -> None:
    """One of ``ACTIONS``, or one of their undoings (``service.UNDO``)."""
    account_id = await _id_of(rt, username)
    if what in service.UNDO:
        await service.undo(rt, service.OPERATOR, account_id, what)  # type: ignore[arg-type]
    else:
        action = AccountAction.model_validate({"type": what, "text": text})
        await service.act(rt, service.OPERATOR, account_id, action)


async def delete(rt: ModerationPlatform, username: str) -> None:
    """Suspend the account and delete everything of it, here and now (the job it records
    finds nothing left when a server's runner gets to it)."""
    account_id = await _id_of(rt, username)
    await deletion.schedule(rt, service.OPERATOR, account_id, suspended_first=False)
    while not await deletion.delete_for(rt, int(account_id), deletion.BUDGET):
        pass


async def set_role(rt: ModerationPlatform, username: str, role: str) -> None:
    await service.set_role(rt, service.OPERATOR, await _id_of(rt, username), role)


async def audit_lines(rt: ModerationPlatform, limit: int) -> list[str]:
    """The newest entries of the audit log, one line each."""
    entries = await service.audit_log(rt, Page(limit=limit))
    return [
        f"{e.created_at.isoformat(timespec='seconds')}  "
        f"{'operator' if e.account_id is None else e.account_id}  {e.action}  "
        f"{e.target_type} {e.target_id}  {e.detail or ''}".rstrip()
        for e in entries
    ]
