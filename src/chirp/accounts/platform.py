"""What the accounts context needs from the process: the platform, media (avatars and
headers), the password hasher, and a way to issue a sign-up's first access token.

Issuing tokens is the OAuth context's business, and OAuth sits above accounts (it signs
accounts in), so registration asks for it through ``issue_token`` instead of importing it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from chirp.accounts.passwords import Passwords
from chirp.accounts.standing import Standing
from chirp.db.uow import UnitOfWork
from chirp.jobs.platform import JobsPlatform
from chirp.media.platform import MediaPlatform


class AccountsPlatform(JobsPlatform, MediaPlatform, Protocol):
    @property
    def passwords(self) -> Passwords: ...

    @property
    def standing(self) -> Standing:
        """The accounts moderators restricted, held in this process."""
        ...

    def issue_token(
        self,
        uow: UnitOfWork,
        *,
        app_id: int,
        account_id: int,
        scopes: frozenset[str],
        now: datetime,
    ) -> dict[str, Any]:
        """Add an access token for the account to ``uow``; Mastodon's Token entity of it."""
        ...
