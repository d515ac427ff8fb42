"""OAuth 2 and app routes: thin, each one parse, one service call, one answer."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote_plus, urlencode

from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from chirp.core import keys
from chirp.core.auth import Bearer
from chirp.core.errors import Forbidden, TooManyRequests, Unauthorized
from chirp.core.openapi import doc
from chirp.core.params import parse, read_params, refuse_unstorable
from chirp.core.shapes import Application, CredentialApplication, Empty, Token
from chirp.core.shapes import OAuthError as OAuthErrorShape
from chirp.deps import ClientIP, get_runtime, token
from chirp.oauth import scopes as scope_rules
from chirp.oauth import service
from chirp.oauth.platform import OAuthPlatform
from chirp.oauth.repository import OAuthRepository
from chirp.oauth.schemas import AppCreate, RevokeForm, TokenForm, app_credentials, app_public
from chirp.oauth.service import OAuthError, TokenRequest

RuntimeDep = Annotated[OAuthPlatform, Depends(get_runtime)]
router = APIRouter()
# The token and revoke endpoints answer errors as RFC 6749 says, not as the API does.
OAUTH: dict[int | str, dict[str, object]] = {
    code: {"model": OAuthErrorShape, "description": what}
    for code, what in ((400, "Invalid request or grant"), (401, "Unknown client"))
}
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
CSRF_COOKIE = "chirp_csrf"
# The consent page must never be framed (clickjacking) nor load anything but itself.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


@router.post("/api/v1/apps", tags=["apps"], **doc(CredentialApplication, takes=AppCreate))
async def create_app(request: Request, rt: RuntimeDep) -> dict[str, Any]:
    """Register a client application."""
    data = parse(AppCreate, await read_params(request))
    app, client_secret = await service.create_app(rt, data)
    return app_credentials(app, client_secret)


@router.get("/api/v1/apps/verify_credentials", tags=["apps"], **doc(Application))
async def verify_app(
    rt: RuntimeDep, bearer: Annotated[Bearer, Security(token())]
) -> dict[str, Any]:
    """The application the token belongs to."""
    async with rt.uow() as uow:
        app = await OAuthRepository(uow).app(bearer.app_id)
    if app is None:
        raise Unauthorized()
    return app_public(app)


@router.get("/.well-known/oauth-authorization-server", tags=["oauth"])
async def discovery(rt: RuntimeDep) -> dict[str, Any]:
    """OAuth 2 authorization server metadata (RFC 8414)."""
    base = rt.settings.public_url
    return {
        "issuer": f"{base}/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "scopes_supported": sorted(scope_rules.ALL_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": list(service.GRANT_TYPES),
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
    }


@router.post("/oauth/token", tags=["oauth"], **doc(Token, takes=TokenForm, errors=OAUTH))
async def issue_token(request: Request, rt: RuntimeDep, ip: ClientIP) -> JSONResponse:
    """Exchange a grant for an access token."""
    params = await read_params(request)
    client_id, client_secret = _basic_auth(request) or (
        params.get("client_id"),
        params.get("client_secret"),
    )
    body = await service.grant(
        rt,
        TokenRequest(
            grant_type=params.get("grant_type"),
            client_id=_text(client_id),
            client_secret=_text(client_secret),
            scope=_text(params.get("scope")),
            username=_text(params.get("username")),
            password=_text(params.get("password")),
            code=_text(params.get("code")),
            redirect_uri=_text(params.get("redirect_uri")),
            code_verifier=_text(params.get("code_verifier")),
            ip=ip,
        ),
    )
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.post("/oauth/revoke", tags=["oauth"], **doc(Empty, takes=RevokeForm, errors=OAUTH))
async def revoke_token(request: Request, rt: RuntimeDep) -> dict[str, Any]:
    """Revoke an access token (RFC 7009)."""
    params = await read_params(request)
    client_id, client_secret = _basic_auth(request) or (
        params.get("client_id"),
        params.get("client_secret"),
    )
    presented = _text(params.get("token"))
    if not presented:
        raise OAuthError("invalid_request", "The token parameter is missing.")
    await service.revoke(rt, _text(client_id), _text(client_secret), presented)
    return {}


@router.get("/oauth/authorize", tags=["oauth"], response_class=HTMLResponse)
async def authorize_page(request: Request, rt: RuntimeDep) -> Response:
    """The consent page with a login form."""
    params = dict(request.query_params)
    try:
        auth = await service.check_authorization_request(rt, params)
    except OAuthError as exc:
        return _error_page(request, rt, exc)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = _consent_page(request, rt, auth, params, csrf, error=None, email="")
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="lax",
        secure=rt.settings.public_url.startswith("https"),
        path="/oauth",
    )
    return response


@router.post("/oauth/authorize", tags=["oauth"], response_class=HTMLResponse)
async def authorize_submit(request: Request, rt: RuntimeDep, ip: ClientIP) -> Response:
    """Log in and approve (or deny) the authorization request."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        auth = await service.check_authorization_request(rt, form)
    except OAuthError as exc:
        return _error_page(request, rt, exc)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not keys.same(cookie, form.get("csrf", "")):
        return _error_page(
            request,
            rt,
            OAuthError(
                "invalid_request",
                "The form expired. Open the authorization link again.",
                403,
            ),
        )
    if form.get("decision") == "deny":
        if service.is_oob(auth.redirect_uri):
            return _error_page(
                request,
                rt,
                OAuthError(
                    "access_denied", "You denied the application access to your account.", 403
                ),
            )
        return _redirect(auth.redirect_uri, {"error": "access_denied", "state": auth.state})
    refused: tuple[str, int, dict[str, str] | None] | None = None
    try:
        code = await service.authorize(
            rt, auth, form.get("email", ""), form.get("password", ""), ip
        )
    except TooManyRequests as exc:  # the page, not JSON, for a person at a browser
        code, refused = None, ("Too many sign-in attempts. Try again later.", 429, exc.headers())
    except Forbidden as exc:  # suspended or disabled by a moderator
        code, refused = None, (exc.message, 403, None)
    if code is None:
        error, status_code, headers = refused or ("Invalid email or password.", 401, None)
        return _consent_page(
            request,
            rt,
            auth,
            form,
            cookie,
            error=error,
            email=form.get("email", ""),
            status_code=status_code,
            headers=headers,
        )
    if service.is_oob(auth.redirect_uri):
        return templates.TemplateResponse(
            request,
            "code.html",
            {
                "title": "Authorization code",
                "server": rt.settings.title,
                "app_name": auth.app.name,
                "code": code,
            },
            headers=PAGE_HEADERS,
        )
    return _redirect(auth.redirect_uri, {"code": code, "state": auth.state})


def _consent_page(
    request: Request,
    rt: Any,
    auth: service.AuthorizationRequest,
    params: dict[str, Any],
    csrf: str,
    *,
    error: str | None,
    email: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    keep = (
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    )
    hidden = {k: str(params[k]) for k in keep if params.get(k)}
    hidden["csrf"] = csrf
    return templates.TemplateResponse(
        request,
        "authorize.html",
        {
            "title": "Authorize",
            "server": rt.settings.title,
            "app_name": auth.app.name,
            "website": auth.app.website,
            "scopes": scope_rules.render(auth.scopes).split(),
            "hidden": hidden,
            "action": "/oauth/authorize",
            "error": error,
            "email": email,
        },
        status_code=status_code,
        headers={**PAGE_HEADERS, **(headers or {})},
    )


def _error_page(request: Request, rt: Any, exc: OAuthError) -> Response:
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "title": "Error",
            "server": rt.settings.title,
            "error": exc.error,
            "description": exc.message,
        },
        status_code=exc.status_code,
        headers=PAGE_HEADERS,
    )


def _redirect(uri: str, query: dict[str, str | None]) -> RedirectResponse:
    pairs = {k: v for k, v in query.items() if v is not None}
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(pairs)}", status_code=302)


def _basic_auth(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except ValueError:
        return None
    return unquote_plus(user), unquote_plus(password)  # RFC 6749 2.3.1 form-encodes them


def _text(value: object) -> str | None:
    if isinstance(value, str) and value:
        refuse_unstorable(value)  # looked up in the database: no NUL, no lone surrogate
        return value
    return None
