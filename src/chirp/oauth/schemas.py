"""Wire shapes for apps and tokens, as Mastodon documents them."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chirp.core.openapi import constrain
from chirp.oauth import scopes as scope_rules
from chirp.oauth.models import OAuthApp

OOB = "urn:ietf:wg:oauth:2.0:oob"
GRANTS = Literal["authorization_code", "password", "client_credentials"]
_DANGEROUS_SCHEMES = frozenset({"javascript", "data", "vbscript", "file"})


class AppCreate(BaseModel):
    client_name: str = Field(min_length=1, max_length=200)
    redirect_uris: str | list[str] = OOB
    scopes: str = "read"
    website: str | None = Field(default=None, max_length=2000)

    @field_validator("redirect_uris")
    @classmethod
    def _uris(cls, value: str | list[str]) -> str:
        uris = value if isinstance(value, list) else value.replace("\r", "").split("\n")
        uris = [u.strip() for u in uris if u.strip()]
        if not uris:
            raise ValueError("can't be blank")
        for uri in uris:
            if uri != OOB and not _acceptable_redirect(uri):
                raise ValueError(f"{uri!r} is not an absolute URI without a fragment")
        return "\n".join(uris)

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: str) -> str:
        try:
            return scope_rules.render(scope_rules.parse(value))
        except scope_rules.InvalidScope as exc:
            raise ValueError(str(exc)) from None

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value or None


def _acceptable_redirect(uri: str) -> bool:
    """Absolute, no fragment; private schemes (RFC 8252, ``com.example.app:/cb``) welcome."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    return (
        bool(parts.scheme)
        and parts.scheme.lower() not in _DANGEROUS_SCHEMES
        and not parts.fragment
        and "#" not in uri
        and len(uri) <= 2000
        and bool(parts.netloc or parts.path)
    )


def app_public(app: OAuthApp) -> dict[str, Any]:
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split(),
        "redirect_uris": app.redirect_uri_list,
        "redirect_uri": app.redirect_uris,  # deprecated in Mastodon, still read by clients
        "vapid_key": "",
    }


def app_credentials(app: OAuthApp, client_secret: str) -> dict[str, Any]:
    return {
        **app_public(app),
        "client_id": app.client_id,
        "client_secret": client_secret,
        "client_secret_expires_at": 0,
    }


class TokenForm(BaseModel):
    """What ``POST /oauth/token`` reads (for the OpenAPI document: the route reads the form
    itself, RFC 6749's way). The client may authenticate with HTTP Basic instead."""

    grant_type: GRANTS
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None
    username: str | None = None
    password: str | None = None
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None


class RevokeForm(BaseModel):
    """What ``POST /oauth/revoke`` reads (RFC 7009)."""

    model_config = ConfigDict(json_schema_extra=constrain(token={"minLength": 1}))

    token: str
    client_id: str | None = None
    client_secret: str | None = None
