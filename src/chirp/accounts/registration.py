"""Registering an account through the API, as Mastodon.py's ``create_account`` does it.

The account lives on the shard its username hashes to and its email is claimed on the shard
the email hashes to; on PostgreSQL those can be two databases. The claim is committed first;
if the account then fails (a username race, a crash), the claim is released or, if the process
died, recognised as stale by the next registration and taken over. So an email is never
locked out and never held by two accounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from email_validator import EmailNotValidError
from sqlalchemy.exc import IntegrityError

from chirp.accounts import passwords
from chirp.accounts.emails import normalize_email
from chirp.accounts.models import Account, Credential, EmailClaim
from chirp.accounts.platform import AccountsPlatform
from chirp.accounts.repository import AccountRepository, EmailClaimRepository
from chirp.accounts.schemas import Registration
from chirp.core.auth import Bearer
from chirp.core.errors import FieldErrors, Forbidden
from chirp.core.throttle import rule
from chirp.db.shards import shard_for_key

log = structlog.get_logger(__name__)
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,30}$")
LOCALE = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
MAX_USERNAME = 30
STALE_CLAIM = timedelta(minutes=5)
RESERVED = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "webmaster",
        "postmaster",
        "hostmaster",
        "abuse",
        "support",
        "security",
        "help",
        "info",
        "mod",
        "moderator",
        "staff",
        "system",
        "owner",
        "chirp",
        "mastodon",
        "api",
        "oauth",
        "www",
        "mail",
        "noreply",
        "no_reply",
        "null",
        "undefined",
        "anonymous",
        "everyone",
        "here",
        "instance",
        "settings",
        "about",
        "explore",
    }
)
EMAIL_REFUSED = "cannot be used to sign up"


@dataclass(frozen=True, slots=True)
class Registered:
    account_id: int
    token: dict[str, Any] | None  # the Token entity, when the sign-up came through an app


async def register(
    rt: AccountsPlatform,
    data: Registration,
    *,
    ip: str | None,
    bearer: Bearer | None,
    role: str = "user",
) -> Registered:
    """Create an account; with ``bearer`` (an app's token) also its first access token."""
    if bearer is not None and not rt.settings.registrations_open:
        raise Forbidden("Registrations are closed on this server")
    if bearer is not None:  # a sign-up through the API: every attempt counts, per address
        await rt.throttle.hit("sign_up/ip", rule(rt.settings.limit_sign_up_ip), ip)
    errors = FieldErrors()
    username = data.username.strip()
    email = _check_fields(data, username, errors)
    # Nothing is looked up until every field is valid, and the hash is always computed first,
    # so neither the answer nor its timing can tell whether an email is registered.
    errors.raise_if_any()
    password_hash = await rt.passwords.hash(data.password)
    now = rt.clock.now()
    shard = shard_for_key(username.lower())
    account_id = rt.ids.next_id(shard)

    async with rt.uow(write=True) as uow:
        accounts, emails = AccountRepository(uow), EmailClaimRepository(uow)
        if await accounts.by_username(username):
            errors.add("username", "ERR_TAKEN", "is already taken")
        claim = await emails.get(email) if email else None
        if claim is not None and not await _claim_is_stale(accounts, claim, now):
            errors.add("email", "ERR_INVALID", EMAIL_REFUSED)
        errors.raise_if_any()

        if claim is not None:  # a dead registration's leftover: take it over
            claim.account_id, claim.created_at = account_id, now
        else:
            emails.add(EmailClaim(email_key=email, account_id=account_id, created_at=now))
        try:
            await uow.commit()  # the claim first: an email is never held twice
        except IntegrityError:
            errors.add("email", "ERR_INVALID", EMAIL_REFUSED)
            errors.raise_if_any()

        accounts.add(
            Account(
                id=account_id,
                username=username,
                username_key=username.lower(),
                display_name="",
                note="",
                locked=False,
                bot=False,
                discoverable=True,
                hide_collections=False,
                fields=[],
                followers_count=0,
                following_count=0,
                statuses_count=0,
                created_at=now,
                updated_at=now,
            ),
            Credential(
                account_id=account_id,
                email=email,
                password_hash=password_hash,
                locale=data.locale,
                role=role,
                privacy="public",
                sensitive=False,
                language=None,
                created_at=now,
            ),
        )
        token = None
        if bearer is not None:
            token = rt.issue_token(
                uow, app_id=bearer.app_id, account_id=account_id, scopes=bearer.scopes, now=now
            )
        try:
            await uow.commit()
        except IntegrityError:
            await uow.rollback()
            await _release_claim(rt, email, account_id)
            errors.add("username", "ERR_TAKEN", "is already taken")
            errors.raise_if_any()
    log.info(
        "account_registered",
        account_id=account_id,
        role=role,
        ip=ip,
        app_id=bearer.app_id if bearer else None,
    )
    return Registered(account_id, token)


def _check_fields(data: Registration, username: str, errors: FieldErrors) -> str:
    if not username:
        errors.add("username", "ERR_BLANK", "can't be blank")
    elif len(username) > MAX_USERNAME:
        errors.add(
            "username", "ERR_TOO_LONG", f"is too long (maximum is {MAX_USERNAME} characters)"
        )
    elif not USERNAME.match(username):
        errors.add("username", "ERR_INVALID", "must contain only letters, numbers and underscores")
    elif username.lower() in RESERVED:
        errors.add("username", "ERR_RESERVED", "is reserved")
    email = ""
    if not data.email.strip():
        errors.add("email", "ERR_BLANK", "can't be blank")
    else:
        try:
            email = normalize_email(data.email)
        except EmailNotValidError:
            errors.add("email", "ERR_INVALID", "is invalid")
    problem = passwords.problem_with(data.password)
    if problem:
        errors.add("password", *problem)
    if not data.agreement:
        errors.add("agreement", "ERR_ACCEPTED", "must be accepted")
    if not data.locale:
        errors.add("locale", "ERR_BLANK", "can't be blank")
    elif not LOCALE.match(data.locale):
        errors.add("locale", "ERR_INCLUSION", "is not a supported locale")
    return email


async def _claim_is_stale(accounts: AccountRepository, claim: EmailClaim, now: datetime) -> bool:
    """A claim whose account never appeared: its registration died between the two commits."""
    if await accounts.get(claim.account_id) is not None:
        return False
    return claim.created_at + STALE_CLAIM < now


async def _release_claim(rt: AccountsPlatform, email: str, account_id: int) -> None:
    async with rt.uow(write=True) as uow:
        emails = EmailClaimRepository(uow)
        claim = await emails.get(email)
        if claim is not None and claim.account_id == account_id:
            await emails.delete(claim)
            await uow.commit()
