"""The account filters of ``GET /api/v1/admin/accounts`` and ``/api/v2/admin/accounts``, as
conditions on the account and credential rows (one shard holds both)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement

from chirp.accounts.models import Account, Credential

STATUSES = ("active", "pending", "disabled", "silenced", "suspended", "sensitized")
_FLAGS: dict[str, ColumnElement[bool]] = {
    "active": Account.suspended_at.is_(None),
    "disabled": Account.disabled_at.is_not(None),
    "silenced": Account.silenced_at.is_not(None),
    "suspended": Account.suspended_at.is_not(None),
    "sensitized": Account.sensitized_at.is_not(None),
}


@dataclass(frozen=True, slots=True)
class AccountFilter:
    remote: bool = False
    statuses: tuple[str, ...] = ()
    staff: bool = False
    username: str | None = None
    display_name: str | None = None
    email: str | None = None
    by_domain: str | None = None
    ip: str | None = None
    role_ids: tuple[str, ...] = field(default=())

    def conditions(self) -> list[ColumnElement[bool]] | None:
        """None: nothing here can match (remote or pending accounts, a domain, an address:
        this server has no remote accounts, no approval queue, and keeps no addresses)."""
        if self.remote or "pending" in self.statuses or self.by_domain or self.ip:
            return None
        where = [_FLAGS[s] for s in self.statuses]
        if self.staff:
            where.append(Credential.role.in_(("admin", "moderator")))
        if self.role_ids:
            roles = {"1": "moderator", "3": "admin"}
            wanted = [roles[r] for r in self.role_ids if r in roles]
            if not wanted:
                return None
            where.append(Credential.role.in_(wanted))
        if self.username:
            where.append(Account.username_key.startswith(self.username.lower(), autoescape=True))
        if self.display_name:
            where.append(Account.display_name.icontains(self.display_name, autoescape=True))
        if self.email:
            where.append(Credential.email.icontains(self.email, autoescape=True))
        return where
