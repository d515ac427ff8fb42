"""OAuth use cases: registering apps, the token grants, authorization codes and revocation.

Errors here follow RFC 6749 (``{"error": "invalid_grant", "error_description": ...}``), as
Mastodon's Doorkeeper answers them, rather than the API's ``{"error": text}``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog

from chirp.accounts import authentication
from chirp.core import ids, keys
from chirp.core.errors import APIError
from chirp.oauth import scopes as scope_rules
from chirp.oauth import tokens
from chirp.oauth.cache import EVERYTHING
from chirp.oauth.models import AuthorizationCode, OAuthApp
from chirp.oauth.platform import OAuthPlatform
from chirp.oauth.repository import OAuthRepository
from chirp.oauth.schemas import OOB, AppCreate

log = structlog.get_logger(__name__)
CODE_LIFETIME = timedelta(minutes=10)
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 section 4.1
GRANT_TYPES = ("authorization_code", "password", "client_credentials")


class OAuthError(APIError):
    def __init__(self, error: str, description: str, status_code: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.status_code = status_code

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.message}

    def headers(self) -> dict[str, str] | None:
        # A failed client authentication challenges for the scheme clients authenticate with.
        return {"WWW-Authenticate": 'Basic realm="chirp"'} if self.status_code == 401 else None


def invalid_client() -> OAuthError:
    return OAuthError(
        "invalid_client",
        "Client authentication failed due to unknown client, no client authentication "
        "included, or unsupported authentication method.",
        401,
    )


def invalid_grant() -> OAuthError:
    return OAuthError(
        "invalid_grant",
        "The provided authorization grant is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client.",
    )


async def create_app(rt: OAuthPlatform, data: AppCreate) -> tuple[OAuthApp, str]:
    # An app has no owner; it takes a random shard of its own so apps spread over databases.
    shard = secrets.randbelow(ids.SHARD_COUNT)
    app_id = rt.ids.next_id(shard)
    client_secret = keys.mint(shard)
    app = OAuthApp(
        id=app_id,
        name=data.client_name,
        website=data.website,
        redirect_uris=str(data.redirect_uris),
        scopes=data.scopes,
        client_id=keys.mint(shard),
        client_secret_digest=keys.digest(client_secret),
        created_at=rt.clock.now(),
    )
    async with rt.uow(write=True) as uow:
        OAuthRepository(uow).add(app)
        await uow.commit()
    log.info("app_created", app_id=app.id)
    return app, client_secret


async def authenticate_client(
    repo: OAuthRepository, client_id: str | None, client_secret: str | None
) -> OAuthApp:
    app = await repo.app_by_client_id(client_id) if client_id else None
    if (
        app is None
        or not client_secret
        or not keys.same(app.client_secret_digest, keys.digest(client_secret))
    ):
        raise invalid_client()
    return app


def requested_scopes(app: OAuthApp, raw: str | None) -> frozenset[str]:
    try:
        wanted = scope_rules.parse(raw)
    except scope_rules.InvalidScope:
        wanted = frozenset({"__unknown__"})
    if not wanted <= frozenset(app.scopes.split()):
        raise OAuthError(
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        )
    return wanted


@dataclass(frozen=True, slots=True)
class TokenRequest:
    grant_type: str | None
    client_id: str | None
    client_secret: str | None
    scope: str | None = None
    username: str | None = None
    password: str | None = None
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None
    ip: str | None = None


async def grant(rt: OAuthPlatform, req: TokenRequest) -> dict[str, Any]:
    if req.grant_type not in GRANT_TYPES:
        raise OAuthError(
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )
    async with rt.uow(write=True) as uow:
        repo = OAuthRepository(uow)
        app = await authenticate_client(repo, req.client_id, req.client_secret)
        code_id = None
        if req.grant_type == "client_credentials":
            account_id, scopes = None, requested_scopes(app, req.scope)
        elif req.grant_type == "password":
            scopes = requested_scopes(app, req.scope)
            account = await authentication.authenticate(
                rt, uow, req.username or "", req.password or "", ip=req.ip
            )
            if account is None:
                raise invalid_grant()
            account_id = account.id
        else:
            code = await _redeem_code(rt, repo, app, req)
            account_id, scopes, code_id = code.account_id, frozenset(code.scopes.split()), code.id
        token, secret = tokens.issue(
            uow,
            rt.ids,
            app_id=app.id,
            account_id=account_id,
            scopes=scopes,
            now=rt.clock.now(),
            code_id=code_id,
        )
        await uow.commit()
    log.info("token_issued", grant=req.grant_type, app_id=app.id, account_id=account_id)
    return tokens.token_response(token, secret)


async def _redeem_code(
    rt: OAuthPlatform, repo: OAuthRepository, app: OAuthApp, req: TokenRequest
) -> AuthorizationCode:
    code = await repo.code(req.code) if req.code else None
    now = rt.clock.now()
    if code is None or code.app_id != app.id:
        raise invalid_grant()
    if code.used_at is not None:
        # A replayed code may be stolen: revoke what it already produced (RFC 6749 §4.1.2).
        await repo.revoke_tokens_of_code(code, now)
        # Which tokens the code produced is not worth a query on this rare path: forget all.
        repo.uow.after_commit(lambda: rt.tokens.revoked(EVERYTHING))
        await repo.uow.commit()
        log.warning("authorization_code_replayed", app_id=app.id, account_id=code.account_id)
        raise invalid_grant()
    if code.expires_at <= now or (req.redirect_uri or "") != code.redirect_uri:
        raise invalid_grant()
    if code.code_challenge is None:
        # A verifier for a code issued without a challenge is a downgrade (RFC 9700 2.1.1).
        if req.code_verifier:
            raise invalid_grant()
    elif not _pkce_ok(code.code_challenge, req.code_verifier):
        raise invalid_grant()
    # Mark it used with a conditional UPDATE, so two concurrent redemptions mint one token.
    if not await repo.mark_code_used(code, now):
        raise invalid_grant()
    return code


def _pkce_ok(challenge: str, verifier: str | None) -> bool:
    if not verifier or not _VERIFIER.fullmatch(verifier):
        return False
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return keys.same(computed.rstrip(b"=").decode(), challenge)


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    app: OAuthApp
    redirect_uri: str
    scopes: frozenset[str]
    state: str | None
    code_challenge: str | None


async def check_authorization_request(
    rt: OAuthPlatform, params: dict[str, Any]
) -> AuthorizationRequest:
    """Validate /oauth/authorize parameters. Nothing is redirected before this passes."""
    async with rt.uow() as uow:
        app = await OAuthRepository(uow).app_by_client_id(str(params.get("client_id") or ""))
    if app is None:
        raise invalid_client()
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "Only response_type=code is supported.")
    uris = app.redirect_uri_list
    redirect_uri = str(params.get("redirect_uri") or (uris[0] if len(uris) == 1 else ""))
    if redirect_uri not in uris:
        raise OAuthError("invalid_redirect_uri", "The redirect uri included is not valid.")
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or ("S256" if challenge else None)
    if challenge is not None and (method != "S256" or not 43 <= len(str(challenge)) <= 128):
        raise OAuthError("invalid_request", "Only S256 PKCE challenges are supported.")
    if method is not None and challenge is None:
        raise OAuthError("invalid_request", "code_challenge_method given without code_challenge.")
    return AuthorizationRequest(
        app=app,
        redirect_uri=redirect_uri,
        scopes=requested_scopes(app, params.get("scope")),
        state=params.get("state"),
        code_challenge=str(challenge) if challenge else None,
    )


async def authorize(
    rt: OAuthPlatform, request: AuthorizationRequest, email: str, password: str, ip: str | None
) -> str | None:
    """Log the user in and mint a code; None when the credentials are wrong."""
    async with rt.uow(write=True) as uow:
        account = await authentication.authenticate(rt, uow, email, password, ip=ip)
        if account is None:
            return None
        shard = ids.shard_of(account.id)
        secret = keys.mint(shard)
        now = rt.clock.now()
        OAuthRepository(uow).add(
            AuthorizationCode(
                id=rt.ids.next_id(shard),
                digest=keys.digest(secret),
                app_id=request.app.id,
                account_id=account.id,
                redirect_uri=request.redirect_uri,
                scopes=scope_rules.render(request.scopes),
                code_challenge=request.code_challenge,
                created_at=now,
                expires_at=now + CODE_LIFETIME,
            )
        )
        await uow.commit()
    return secret


async def revoke(
    rt: OAuthPlatform, client_id: str | None, client_secret: str | None, token: str
) -> None:
    """RFC 7009: revoking an unknown token, or another client's, quietly does nothing."""
    async with rt.uow(write=True) as uow:
        repo = OAuthRepository(uow)
        app = await authenticate_client(repo, client_id, client_secret)
        row = await repo.token(token)
        if row is None or row.app_id != app.id or row.revoked_at is not None:
            return
        row.revoked_at = rt.clock.now()
        uow.after_commit(lambda: rt.tokens.revoked(row.digest))
        await uow.commit()
    log.info("token_revoked", token_id=row.id, app_id=app.id, account_id=row.account_id)


def is_oob(uri: str) -> bool:
    return uri == OOB
