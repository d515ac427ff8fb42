"""Account entities as Mastodon documents them, and the inputs that change them."""

from __future__ import annotations

import html
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chirp.accounts.models import Account, Credential
from chirp.core.openapi import constrain
from chirp.core.params import Flag
from chirp.core.text import iso, plain_to_html

MAX_DISPLAY_NAME = 30
MAX_NOTE = 500
MAX_FIELDS = 4
MAX_FIELD_LENGTH = 255


class SourceUpdate(BaseModel):
    privacy: Literal["public", "unlisted", "private"] | None = None
    sensitive: Flag | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")


class FieldUpdate(BaseModel):
    name: str = Field(default="", max_length=MAX_FIELD_LENGTH)
    value: str = Field(default="", max_length=MAX_FIELD_LENGTH)


class ProfileUpdate(BaseModel):
    display_name: str | None = Field(default=None, max_length=MAX_DISPLAY_NAME)
    note: str | None = Field(default=None, max_length=MAX_NOTE)
    locked: Flag | None = None
    bot: Flag | None = None
    discoverable: Flag | None = None
    indexable: Flag | None = None
    hide_collections: Flag | None = None
    source: SourceUpdate | None = None
    fields_attributes: dict[str, FieldUpdate] | list[FieldUpdate] | None = Field(
        default=None, max_length=MAX_FIELDS
    )

    def field_list(self) -> list[dict[str, str]] | None:
        if self.fields_attributes is None:
            return None
        items = (
            [self.fields_attributes[k] for k in sorted(self.fields_attributes, key=_index)]
            if isinstance(self.fields_attributes, dict)
            else self.fields_attributes
        )
        return [{"name": f.name, "value": f.value} for f in items if f.name or f.value]


def _index(key: str) -> int:
    return int(key) if key.isdigit() else 0


class Registration(BaseModel):
    # Blank fields get Mastodon's ERR_BLANK from registration's own checks; the document says
    # what those checks want (uniqueness and common passwords it cannot say).
    model_config = ConfigDict(
        json_schema_extra=constrain(
            ("username", "email", "password", "agreement", "locale"),
            username={"pattern": "^[A-Za-z0-9_]{1,30}$"},
            email={"format": "email", "maxLength": 320},
            password={"minLength": 8, "maxLength": 128},
            agreement={"anyOf": [{"const": True}, {"type": "string", "enum": ["1", "on", "true"]}]},
            locale={"pattern": "^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"},
        )
    )

    username: str = ""
    email: str = ""
    password: str = ""
    agreement: Flag = False
    locale: str = ""
    reason: str | None = Field(default=None, max_length=500)


def account_public(account: Account, base_url: str) -> dict[str, Any]:
    profile = f"{base_url}/@{account.username}"
    # Uploaded images are content-addressed files under /media (chirp.media.serving).
    avatar = (
        f"{base_url}/media/{account.avatar_file}"
        if account.avatar_file
        else f"{base_url}/avatars/original/missing.png"
    )
    header = (
        f"{base_url}/media/{account.header_file}"
        if account.header_file
        else f"{base_url}/headers/original/missing.png"
    )
    return {
        "id": str(account.id),
        "username": account.username,
        "acct": account.username,
        "url": profile,
        "uri": f"{base_url}/users/{account.username}",
        "display_name": account.display_name,
        "note": plain_to_html(account.note),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "locked": account.locked,
        "bot": account.bot,
        "group": False,
        "discoverable": account.discoverable,
        "indexable": account.discoverable,
        "hide_collections": account.hide_collections,
        "noindex": not account.discoverable,
        "created_at": iso(account.created_at.replace(hour=0, minute=0, second=0, microsecond=0)),
        "last_status_at": account.last_status_at.date().isoformat()
        if account.last_status_at
        else None,
        "statuses_count": account.statuses_count,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "emojis": [],
        "fields": [
            # The name is plain text; the value is HTML, so it is escaped.
            {"name": f["name"], "value": html.escape(f["value"]), "verified_at": None}
            for f in account.fields or []
        ],
        "roles": [],
    }


def account_credential(account: Account, credential: Credential, base_url: str) -> dict[str, Any]:
    """The owner's view (verify_credentials): the public account plus ``source`` and ``role``."""
    return {
        **account_public(account, base_url),
        "source": {
            "privacy": credential.privacy,
            "sensitive": credential.sensitive,
            "language": credential.language,
            "note": account.note,
            "fields": [
                {"name": f["name"], "value": f["value"], "verified_at": None}
                for f in account.fields or []
            ],
            "follow_requests_count": 0,
            "hide_collections": account.hide_collections,
            "discoverable": account.discoverable,
            "indexable": account.discoverable,
            "attribution_domains": [],
        },
        "role": role_entity(credential.role),
    }


# Mastodon's default roles (UserRole): id, name and permission bits. Admin holds bit 1
# (administrator: everything); a moderator may view the dashboard and audit log (8, 4),
# manage reports (16), taxonomies (256) and users (1024).
_ROLES = {
    "admin": ("3", "Admin", "1", True),
    "moderator": ("1", "Moderator", "1308", True),
}


def role_entity(name: str) -> dict[str, Any]:
    """Mastodon's Role entity of a credential's role; everyone else's is the empty one."""
    role_id, title, permissions, highlighted = _ROLES.get(name, ("-99", "", "0", False))
    return {
        "id": role_id,
        "name": title,
        "permissions": permissions,
        "color": "",
        "highlighted": highlighted,
    }
