"""Checking an email and password. Unknown email and wrong password look the same from
outside: the same answer and the same argon2 work, and nothing identifying in the log."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from email_validator import EmailNotValidError

from chirp.accounts.emails import normalize_email
from chirp.accounts.models import Account
from chirp.accounts.repository import AccountRepository, EmailClaimRepository
from chirp.core.errors import Forbidden
from chirp.core.throttle import rule
from chirp.db.uow import UnitOfWork

if TYPE_CHECKING:
    from chirp.accounts.platform import AccountsPlatform

log = structlog.get_logger(__name__)
LOGIN_DISABLED = "Your login is currently disabled"  # Mastodon's words


async def authenticate(
    rt: AccountsPlatform, uow: UnitOfWork, email: str, password: str, *, ip: str | None
) -> Account | None:
    accounts = AccountRepository(uow)
    try:
        email_key = normalize_email(email) if email else None
    except EmailNotValidError:
        email_key = None
    # Every attempt counts, right or wrong (as Mastodon counts them): guessing a password
    # from one address, or one account's from many, stops at the limit.
    settings = rt.settings
    await rt.throttle.hit("login/ip", rule(settings.limit_login_ip), ip)
    await rt.throttle.hit(
        "login/email", rule(settings.limit_login_email), email_key or email.strip().lower()
    )
    claim = await EmailClaimRepository(uow).get(email_key) if email_key else None
    credential = await accounts.credential(claim.account_id) if claim else None
    ok = await rt.passwords.verify(credential.password_hash if credential else None, password)
    account = await accounts.get(credential.account_id) if ok and credential else None
    if account is None or credential is None:
        log.warning("login_failed", ip=ip)
        return None
    if account.suspended_at is not None or account.disabled_at is not None:
        # Said only to whoever knows the password: a guesser learns nothing new.
        log.warning("login_refused", account_id=account.id, ip=ip)
        raise Forbidden(LOGIN_DISABLED)
    if rt.passwords.needs_rehash(credential.password_hash):
        credential.password_hash = await rt.passwords.hash(password)
    log.info("login_succeeded", account_id=account.id, ip=ip)
    return account
