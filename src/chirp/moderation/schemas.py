"""Mastodon's moderation entities (Admin::Account, Admin::Report, Admin::DomainBlock, Report)
and the inputs of the routes that change them."""

from __future__ import annotations

import hashlib
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chirp.accounts.models import Account, Credential
from chirp.accounts.schemas import account_public, role_entity
from chirp.core.openapi import ID, MAYBE_ID, constrain
from chirp.core.params import Flag, IdText
from chirp.core.text import iso
from chirp.moderation.models import DomainBlock, Report

Category = Literal["spam", "legal", "violation", "other"]
ActionType = Literal["none", "sensitive", "disable", "silence", "suspend"]
Severity = Literal["silence", "suspend", "noop"]
MAX_COMMENT = 1000
# A host name of two labels or more, any case (kept lower-cased); internationalised names
# in their ASCII form (xn--). What the document says is what is accepted.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")  # at most 253 characters: the field says


class ReportCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=constrain(account_id=ID))

    account_id: str
    status_ids: list[IdText] = Field(default_factory=list, max_length=100)
    comment: str = Field(default="", max_length=MAX_COMMENT)
    forward: Flag = False
    category: Category | None = None
    rule_ids: list[IdText] = Field(default_factory=list, max_length=100)


class ReportUpdate(BaseModel):
    category: Category | None = None
    rule_ids: list[IdText] | None = Field(default=None, max_length=100)


class AccountAction(BaseModel):
    model_config = ConfigDict(json_schema_extra=constrain(report_id=MAYBE_ID))

    type: ActionType = "none"
    report_id: str | None = None
    warning_preset_id: str | None = None
    text: str = Field(default="", max_length=MAX_COMMENT)
    send_email_notification: Flag = False


class DomainBlockFields(BaseModel):
    severity: Severity | None = None
    reject_media: Flag | None = None
    reject_reports: Flag | None = None
    private_comment: str | None = Field(default=None, max_length=MAX_COMMENT)
    public_comment: str | None = Field(default=None, max_length=MAX_COMMENT)
    obfuscate: Flag | None = None


class DomainBlockCreate(DomainBlockFields):
    domain: str = Field(max_length=253, json_schema_extra={"pattern": f"^{DOMAIN.pattern}$"})


def admin_account(account: Account, credential: Credential | None, base_url: str) -> dict[str, Any]:
    """Admin::Account: what staff see of a local account (no remote accounts, no IPs kept)."""
    return {
        "id": str(account.id),
        "username": account.username,
        "domain": None,
        "created_at": iso(account.created_at),
        "email": credential.email if credential else "",
        "ip": None,
        "ips": [],
        "locale": credential.locale if credential else "",
        "invite_request": None,
        "role": role_entity(credential.role if credential else "user"),
        "confirmed": True,
        "approved": True,
        "disabled": account.disabled_at is not None,
        "silenced": account.silenced_at is not None,
        "suspended": account.suspended_at is not None,
        "sensitized": account.sensitized_at is not None,
        "account": account_public(account, base_url),
        "created_by_application_id": None,
        "invited_by_account_id": None,
    }


def report(row: Report, target: dict[str, Any]) -> dict[str, Any]:
    """Report, as its reporter sees it; ``target`` is the reported account's entity."""
    return {
        **_report_fields(row),
        "status_ids": list(row.status_ids) or None,
        "rule_ids": list(row.rule_ids) or None,
        "target_account": target,
    }


def _report_fields(row: Report) -> dict[str, Any]:
    """What Report and Admin::Report both say of a report."""
    return {
        "id": str(row.id),
        "action_taken": row.action_taken_at is not None,
        "action_taken_at": iso(row.action_taken_at) if row.action_taken_at else None,
        "category": row.category,
        "comment": row.comment,
        "forwarded": row.forwarded,
        "created_at": iso(row.created_at),
    }


def admin_report(
    row: Report,
    accounts: dict[int, dict[str, Any]],
    statuses: list[dict[str, Any]],
) -> dict[str, Any]:
    """Admin::Report; ``accounts``: Admin::Account entities by id, ``statuses``: the reported
    statuses that still exist."""

    def one(account_id: int | None) -> dict[str, Any] | None:
        return accounts.get(account_id) if account_id is not None else None

    return {
        **_report_fields(row),
        "updated_at": iso(row.updated_at),
        "account": one(row.account_id),
        "target_account": one(row.target_account_id),
        "assigned_account": one(row.assigned_account_id),
        "action_taken_by_account": one(row.action_taken_by_account_id),
        "statuses": statuses,
        "rules": [],
    }


def domain_block(row: DomainBlock) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "domain": row.domain,
        "digest": hashlib.sha256(row.domain.encode()).hexdigest(),
        "created_at": iso(row.created_at),
        "severity": row.severity,
        "reject_media": row.reject_media,
        "reject_reports": row.reject_reports,
        "private_comment": row.private_comment,
        "public_comment": row.public_comment,
        "obfuscate": row.obfuscate,
    }
