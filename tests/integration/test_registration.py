"""Registration across two databases: the email claim and the account, and their repair."""

from __future__ import annotations

import asyncio

from chirp.accounts.models import EmailClaim
from chirp.accounts.registration import register
from chirp.accounts.repository import AccountRepository, EmailClaimRepository
from chirp.accounts.schemas import Registration
from chirp.core.errors import Unprocessable
from chirp.runtime import Runtime
from tests.conftest import PASSWORD, FakeClock


def _form(username: str, email: str) -> Registration:
    return Registration(
        username=username, email=email, password=PASSWORD, agreement=True, locale="en"
    )


async def _leave_a_dead_claim(rt: Runtime, email: str) -> None:
    """What a process that died between the claim's commit and the account's leaves."""
    async with rt.uow(write=True) as uow:
        EmailClaimRepository(uow).add(
            EmailClaim(email_key=email, account_id=rt.ids.next_id(5), created_at=rt.clock.now())
        )
        await uow.commit()


async def test_a_fresh_claim_without_its_account_still_holds_the_email(
    rt: Runtime,
    clock: FakeClock,
) -> None:
    await _leave_a_dead_claim(rt, "dana@example.com")
    try:
        await register(rt, _form("dana", "dana@example.com"), ip=None, bearer=None)
    except Unprocessable as exc:
        assert exc.details is not None and "email" in exc.details
    else:
        raise AssertionError("a claim minutes old may belong to a registration in flight")


async def test_a_stale_claim_without_its_account_is_taken_over(
    rt: Runtime,
    clock: FakeClock,
) -> None:
    await _leave_a_dead_claim(rt, "dana@example.com")
    clock.advance(minutes=6)
    done = await register(rt, _form("dana", "dana@example.com"), ip=None, bearer=None)
    async with rt.uow() as uow:
        claim = await EmailClaimRepository(uow).get("dana@example.com")
        assert claim is not None and claim.account_id == done.account_id
        assert await AccountRepository(uow).get(done.account_id) is not None


async def test_racing_registrations_for_one_username_make_one_account_and_free_the_loser_email(
    rt: Runtime,
) -> None:
    results = await asyncio.gather(
        register(rt, _form("twin", "one@example.com"), ip=None, bearer=None),
        register(rt, _form("TWIN", "two@example.com"), ip=None, bearer=None),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, Unprocessable)]
    assert len(winners) == 1 and len(losers) == 1
    async with rt.uow() as uow:
        emails = EmailClaimRepository(uow)
        held = [await emails.get(e) for e in ("one@example.com", "two@example.com")]
    assert sum(claim is not None for claim in held) == 1
