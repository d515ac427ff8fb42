"""The Mastodon entities Chirp answers with, as pydantic models (docs.joinmastodon.org/entities).

They document the answers in the OpenAPI document (``responses=``, never ``response_model=``:
the answers are built elsewhere, as dicts or pre-encoded bytes, and are not validated or
re-encoded on the way out), and the schemathesis run checks every answer against them. Every
field listed is always present; more may be (a client must ignore fields it does not know).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Visibility = Literal["public", "unlisted", "private", "direct"]


class Entity(BaseModel):
    model_config = ConfigDict(extra="allow")


class Error(Entity):
    """Every error but OAuth's: ``{"error": "..."}``, with per-field ``details`` on a 422."""

    error: str
    details: dict[str, list[dict[str, str]]] | None = None


class OAuthError(Entity):
    """The token, revoke and authorize endpoints' errors (RFC 6749); a body that cannot be
    read at all gets the API's ``{"error": ...}`` there too."""

    error: str
    error_description: str | None = None


class Empty(Entity):
    """``{}``: what an action with nothing to say answers."""


class Field(Entity):
    name: str
    value: str
    verified_at: str | None


class Account(Entity):
    id: str
    username: str
    acct: str
    url: str
    uri: str
    display_name: str
    note: str
    avatar: str
    avatar_static: str
    header: str
    header_static: str
    locked: bool
    bot: bool
    group: bool
    discoverable: bool | None
    created_at: str
    last_status_at: str | None
    statuses_count: int
    followers_count: int
    following_count: int
    emojis: list[dict[str, Any]]
    fields: list[Field]


class Role(Entity):
    id: str
    name: str
    permissions: str
    color: str
    highlighted: bool


class Source(Entity):
    privacy: Visibility
    sensitive: bool
    language: str | None
    note: str
    fields: list[Field]
    follow_requests_count: int


class CredentialAccount(Account):
    source: Source
    role: Role


class Relationship(Entity):
    id: str
    following: bool
    showing_reblogs: bool
    notifying: bool
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool
    muting_notifications: bool
    requested: bool
    requested_by: bool
    domain_blocking: bool
    endorsed: bool
    note: str


class MediaAttachment(Entity):
    id: str
    type: Literal["unknown", "image", "gifv", "video", "audio"]
    url: str | None
    preview_url: str | None
    remote_url: str | None
    meta: dict[str, Any] | None
    description: str | None
    blurhash: str | None


class Mention(Entity):
    id: str
    username: str
    acct: str
    url: str


class StatusTag(Entity):
    name: str
    url: str


class Status(Entity):
    id: str
    uri: str
    url: str | None
    created_at: str
    edited_at: str | None
    account: Account
    content: str
    visibility: Visibility
    sensitive: bool
    spoiler_text: str
    media_attachments: list[MediaAttachment]
    mentions: list[Mention]
    tags: list[StatusTag]
    emojis: list[dict[str, Any]]
    reblogs_count: int
    favourites_count: int
    replies_count: int
    in_reply_to_id: str | None
    in_reply_to_account_id: str | None
    reblog: Status | None
    poll: dict[str, Any] | None
    card: dict[str, Any] | None
    language: str | None
    text: str | None


class StatusSource(Entity):
    id: str
    text: str
    spoiler_text: str


class StatusEdit(Entity):
    content: str
    spoiler_text: str
    sensitive: bool
    created_at: str
    account: Account
    media_attachments: list[MediaAttachment]
    emojis: list[dict[str, Any]]


class Context(Entity):
    ancestors: list[Status]
    descendants: list[Status]


class TagHistory(Entity):
    day: str
    uses: str
    accounts: str


class Tag(Entity):
    name: str
    url: str
    history: list[TagHistory]


class Notification(Entity):
    id: str
    type: str
    created_at: str
    account: Account
    status: Status | None = None


class Search(Entity):
    accounts: list[Account]
    statuses: list[Status]
    hashtags: list[Tag]


class Application(Entity):
    name: str
    website: str | None
    scopes: list[str]
    redirect_uris: list[str]


class CredentialApplication(Application):
    client_id: str
    client_secret: str


class Token(Entity):
    access_token: str
    token_type: Literal["Bearer"]
    scope: str
    created_at: int


class Instance(Entity):
    """``GET /api/v1/instance`` (the fields clients read; the rest as Mastodon's)."""

    uri: str
    title: str
    version: str
    urls: dict[str, Any]
    stats: dict[str, int]
    configuration: dict[str, Any]
    registrations: bool


class InstanceV2(Entity):
    domain: str
    title: str
    version: str
    configuration: dict[str, Any]
    registrations: dict[str, Any]


class AdminAccount(Entity):
    id: str
    username: str
    domain: str | None
    created_at: str
    email: str
    ip: str | None
    locale: str
    role: Role
    confirmed: bool
    approved: bool
    disabled: bool
    silenced: bool
    suspended: bool
    sensitized: bool
    account: Account


class _Reported(Entity):
    """What Report and Admin::Report both say."""

    id: str
    action_taken: bool
    action_taken_at: str | None
    category: Literal["spam", "legal", "violation", "other"]
    comment: str
    forwarded: bool
    created_at: str


class Report(_Reported):
    status_ids: list[str] | None
    rule_ids: list[str] | None
    target_account: Account


class AdminReport(_Reported):
    updated_at: str
    account: AdminAccount
    target_account: AdminAccount
    assigned_account: AdminAccount | None
    action_taken_by_account: AdminAccount | None
    statuses: list[Status]
    rules: list[dict[str, Any]]


class DomainBlock(Entity):
    id: str
    domain: str
    digest: str
    created_at: str
    severity: Literal["silence", "suspend", "noop"]
    reject_media: bool
    reject_reports: bool
    private_comment: str | None
    public_comment: str | None
    obfuscate: bool
