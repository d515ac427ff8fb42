"""Account use cases: reading profiles, looking them up, and the owner's own view and edits."""

from __future__ import annotations

from typing import Any

import structlog

from chirp.accounts.platform import AccountsPlatform
from chirp.accounts.registration import USERNAME
from chirp.accounts.repository import AccountRepository
from chirp.accounts.schemas import ProfileUpdate, account_credential, account_public
from chirp.core.entities import Kind, forget_after_commit
from chirp.core.errors import NotFound
from chirp.core.ids import parse_id
from chirp.media import cleanup as media_cleanup

log = structlog.get_logger(__name__)


async def get_public(rt: AccountsPlatform, raw_id: str) -> dict[str, Any]:
    account_id = parse_id(raw_id)
    async with rt.uow() as uow:
        account = await AccountRepository(uow).get(account_id) if account_id else None
    if account is None:
        raise NotFound()
    return account_public(account, rt.settings.public_url)


async def lookup(rt: AccountsPlatform, acct: str) -> dict[str, Any]:
    """``user`` or ``user@our.domain``; accounts on other servers are not known here."""
    username, _, domain = acct.strip().lstrip("@").partition("@")
    if not USERNAME.match(username) or (domain and domain.lower() != rt.settings.domain):
        raise NotFound()
    async with rt.uow() as uow:
        account = await AccountRepository(uow).by_username(username)
    if account is None:
        raise NotFound()
    return account_public(account, rt.settings.public_url)


async def own(rt: AccountsPlatform, account_id: int) -> dict[str, Any]:
    async with rt.uow() as uow:
        repo = AccountRepository(uow)
        account, credential = await repo.get(account_id), await repo.credential(account_id)
    if account is None or credential is None:
        raise NotFound()
    return account_credential(account, credential, rt.settings.public_url)


async def update_profile(
    rt: AccountsPlatform,
    account_id: int,
    change: ProfileUpdate,
    images: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Apply a profile change; ``images`` are stored avatar / header keys (chirp.media)."""
    async with rt.uow(write=True) as uow:
        repo = AccountRepository(uow)
        account, credential = await repo.get(account_id), await repo.credential(account_id)
        if account is None or credential is None:
            raise NotFound()
        for name in ("display_name", "note", "locked", "bot", "hide_collections"):
            value = getattr(change, name)
            if value is not None:
                setattr(account, name, value)
        discoverable = change.discoverable if change.discoverable is not None else change.indexable
        if discoverable is not None:
            account.discoverable = discoverable
        fields = change.field_list()
        if fields is not None:
            account.fields = fields
        if change.source is not None:
            for name in ("privacy", "sensitive", "language"):
                value = getattr(change.source, name)
                if value is not None:
                    setattr(credential, name, value)
        replaced = []
        for name, key in (images or {}).items():
            column = f"{name}_file"
            if getattr(account, column) not in (None, key):
                replaced.append(getattr(account, column))
            setattr(account, column, key)
        uow.after_commit(lambda: media_cleanup.release(rt, replaced))
        forget_after_commit(uow, rt.entities, Kind.account, [account_id])
        account.updated_at = rt.clock.now()
        await uow.commit()
        view = account_credential(account, credential, rt.settings.public_url)
    log.info("profile_updated", account_id=account_id)
    return view
