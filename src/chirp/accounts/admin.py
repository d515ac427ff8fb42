"""Creating accounts from the command line, through the same rules as the API."""

from __future__ import annotations

from chirp.accounts.platform import AccountsPlatform
from chirp.accounts.registration import register
from chirp.accounts.schemas import Registration


async def create_account(
    rt: AccountsPlatform, username: str, email: str, password: str, *, admin: bool
) -> int:
    data = Registration(
        username=username, email=email, password=password, agreement=True, locale="en"
    )
    registered = await register(rt, data, ip=None, bearer=None, role="admin" if admin else "user")
    return registered.account_id
