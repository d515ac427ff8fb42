"""OAuth 2 through HTTP: apps, the three grants, PKCE, the consent page and revocation."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.conftest import PASSWORD, Api, FakeClock, bearer

REDIRECT = "https://client.example/callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


async def consent(
    client: httpx.AsyncClient,
    app: dict[str, Any],
    *,
    email: str,
    password: str = PASSWORD,
    challenge: str | None = None,
    redirect_uri: str = REDIRECT,
    scope: str = "read write",
) -> httpx.Response:
    """Open the consent page, then submit its form as a browser would."""
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": "xyz",
    }
    if challenge:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    page = await client.get("/oauth/authorize", params=query)
    assert page.status_code == 200, page.text
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    assert hidden["client_id"] == app["client_id"]
    return await client.post(
        "/oauth/authorize",
        data={
            **hidden,
            "email": email,
            "password": password,
            "decision": "approve",
        },
    )


def code_from(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    query = parse_qs(urlparse(response.headers["location"]).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


async def exchange(
    client: httpx.AsyncClient,
    app: dict[str, Any],
    code: str,
    verifier: str | None = None,
    redirect_uri: str = REDIRECT,
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "code": code,
        "redirect_uri": redirect_uri,
    }
    if verifier:
        data["code_verifier"] = verifier
    return await client.post("/oauth/token", data=data)


async def test_app_registration_answers_mastodon_credential_application(api: Api) -> None:
    app = await api.create_app(
        redirect_uris=f"{REDIRECT}\nurn:ietf:wg:oauth:2.0:oob", website="https://client.example"
    )
    assert set(app) >= {
        "id",
        "name",
        "website",
        "scopes",
        "redirect_uris",
        "redirect_uri",
        "vapid_key",
        "client_id",
        "client_secret",
        "client_secret_expires_at",
    }
    assert app["redirect_uris"] == [REDIRECT, "urn:ietf:wg:oauth:2.0:oob"]
    assert app["scopes"] == ["read", "write", "follow", "push"]
    token = await api.app_token(app, "read")
    verified = await api.client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert verified.status_code == 200
    assert verified.json()["name"] == "Test client"
    assert "client_secret" not in verified.json()


@pytest.mark.parametrize(
    "data",
    [
        {"client_name": ""},
        {"client_name": "x", "scopes": "read bogus"},
        {"client_name": "x", "redirect_uris": "not a uri"},
        {"client_name": "x", "website": "javascript:alert(1)"},
    ],
)
async def test_app_registration_refuses_bad_input_with_422(api: Api, data: dict[str, str]) -> None:
    response = await api.client.post("/api/v1/apps", data=data)
    assert response.status_code == 422
    assert response.json()["error"].startswith("Validation failed")


async def test_discovery_lists_grants_endpoints_and_pkce(client: httpx.AsyncClient) -> None:
    meta = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert meta["token_endpoint"] == "http://chirp.test/oauth/token"
    assert set(meta["grant_types_supported"]) == {
        "authorization_code",
        "password",
        "client_credentials",
    }
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "read:statuses" in meta["scopes_supported"]


async def test_password_grant_answers_token_with_scope_and_created_at(api: Api) -> None:
    app = await api.create_app()
    await api.register("alice", app=app)
    response = await api.client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "ALICE@example.com",
            "password": PASSWORD,
            "scope": "read write",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read write"
    assert isinstance(body["created_at"], int)
    assert response.headers["cache-control"] == "no-store"


async def test_password_grant_gives_one_answer_for_unknown_email_and_wrong_password(
    api: Api,
) -> None:
    app = await api.create_app()
    await api.register("alice", app=app)
    answers = []
    for username, password in (
        ("alice@example.com", "wrong-password-1"),
        ("nobody@example.com", PASSWORD),
    ):
        response = await api.client.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "username": username,
                "password": password,
            },
        )
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400
    assert answers[0][1]["error"] == "invalid_grant"


async def test_unknown_grant_type_is_refused(api: Api) -> None:
    app = await api.create_app()
    response = await api.client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "refresh_token": "x",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize(
    "client_id,secret_ok",
    [
        ("000notaclientidnotaclientidnotaclientidnotacl", True),
        ("garbage", True),
        (None, False),
    ],
)
async def test_unknown_client_or_wrong_secret_is_invalid_client(
    api: Api,
    client_id: str | None,
    secret_ok: bool,
) -> None:
    app = await api.create_app()
    response = await api.client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id or app["client_id"],
            "client_secret": app["client_secret"] if secret_ok else "wrong",
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_client_credentials_over_http_basic(api: Api) -> None:
    app = await api.create_app()
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    response = await api.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "read"


async def test_scope_beyond_the_apps_is_invalid_scope(api: Api) -> None:
    app = await api.create_app(scopes="read")
    response = await api.client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read write",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


async def test_authorization_code_with_pkce_gives_a_working_token(api: Api) -> None:
    app = await api.create_app(redirect_uris=REDIRECT)
    await api.register("alice")
    verifier, challenge = pkce_pair()
    code = code_from(await consent(api.client, app, email="alice@example.com", challenge=challenge))
    response = await exchange(api.client, app, code, verifier)
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read write"
    me = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(response.json()["access_token"])
    )
    assert me.json()["username"] == "alice"


async def test_wrong_pkce_verifier_is_invalid_grant(api: Api) -> None:
    app = await api.create_app(redirect_uris=REDIRECT)
    await api.register("alice")
    _, challenge = pkce_pair()
    code = code_from(await consent(api.client, app, email="alice@example.com", challenge=challenge))
    wrong, _ = pkce_pair()
    response = await exchange(api.client, app, code, wrong)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    missing = await exchange(api.client, app, code)
    assert missing.json()["error"] == "invalid_grant"


async def test_reused_code_is_refused_and_revokes_the_first_token(api: Api) -> None:
    app = await api.create_app(redirect_uris=REDIRECT)
    await api.register("alice")
    verifier, challenge = pkce_pair()
    code = code_from(await consent(api.client, app, email="alice@example.com", challenge=challenge))
    first = await exchange(api.client, app, code, verifier)
    assert first.status_code == 200
    again = await exchange(api.client, app, code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    me = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(first.json()["access_token"])
    )
    assert me.status_code == 401


async def test_expired_code_is_invalid_grant(api: Api, clock: FakeClock) -> None:
    app = await api.create_app(redirect_uris=REDIRECT)
    await api.register("alice")
    code = code_from(await consent(api.client, app, email="alice@example.com"))
    clock.advance(minutes=11)
    response = await exchange(api.client, app, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_code_for_another_redirect_uri_or_client_is_refused(api: Api) -> None:
    app = await api.create_app(redirect_uris=f"{REDIRECT}\nhttps://client.example/other")
    other_app = await api.create_app(redirect_uris=REDIRECT)
    await api.register("alice")
    code = code_from(await consent(api.client, app, email="alice@example.com"))
    assert (
        await exchange(api.client, app, code, redirect_uri="https://client.example/other")
    ).status_code == 400
    assert (await exchange(api.client, other_app, code)).status_code == 400


async def test_consent_page_with_wrong_password_shows_the_form_again(api: Api) -> None:
    app = await api.create_app(redirect_uris=REDIRECT)
    await api.register("alice")
    response = await consent(api.client, app, email="alice@example.com", password="nope-nope-1")
    assert response.status_code == 401
    assert "Invalid email or password." in response.text
    assert response.headers["x-frame-options"] == "DENY"


async def test_consent_page_escapes_the_app_name(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/apps",
        data={
            "client_name": "<script>alert(1)</script>",
            "redirect_uris": REDIRECT,
        },
    )
    page = await api.client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": response.json()["client_id"],
            "redirect_uri": REDIRECT,
        },
    )
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


async def test_consent_form_without_its_csrf_cookie_is_refused(api: Api) -> None:
    app = await api.create_app(redirect_uris=REDIRECT)
    await api.register("alice")
    api.client.cookies.clear()
    response = await api.client.post(
        "/oauth/authorize",
        data={
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT,
            "csrf": "forged",
            "email": "alice@example.com",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 403


async def test_deny_redirects_with_access_denied(api: Api) -> None:
    app = await api.create_app(redirect_uris=REDIRECT)
    page = await api.client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT,
            "state": "s1",
        },
    )
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    response = await api.client.post("/oauth/authorize", data={**hidden, "decision": "deny"})
    assert response.status_code == 302
    assert parse_qs(urlparse(response.headers["location"]).query) == {
        "error": ["access_denied"],
        "state": ["s1"],
    }


@pytest.mark.parametrize(
    "change,error",
    [
        ({"redirect_uri": "https://evil.example/cb"}, "invalid_redirect_uri"),
        ({"client_id": "nope"}, "invalid_client"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "admin:write"}, "invalid_scope"),
    ],
)
async def test_bad_authorization_request_is_an_error_page_never_a_redirect(
    api: Api,
    change: dict[str, str],
    error: str,
) -> None:
    app = await api.create_app(redirect_uris=REDIRECT)
    params = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
    } | change
    response = await api.client.get("/oauth/authorize", params=params)
    assert response.status_code in (400, 401)
    assert error in response.text
    assert "location" not in response.headers


async def test_oob_redirect_shows_the_code_on_a_page(api: Api) -> None:
    app = await api.create_app()
    await api.register("alice")
    response = await consent(
        api.client, app, email="alice@example.com", redirect_uri="urn:ietf:wg:oauth:2.0:oob"
    )
    assert response.status_code == 200
    code = re.search(r'class="code">([^<]+)<', response.text)
    assert code is not None
    exchanged = await exchange(
        api.client, app, code.group(1), redirect_uri="urn:ietf:wg:oauth:2.0:oob"
    )
    assert exchanged.status_code == 200


async def test_revoked_token_is_refused_on_the_next_request(api: Api) -> None:
    app = await api.create_app()
    token = await api.register("alice", app=app)
    headers = bearer(token)
    assert (
        await api.client.get("/api/v1/accounts/verify_credentials", headers=headers)
    ).status_code == 200
    revoked = await api.client.post(
        "/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token},
    )
    assert revoked.status_code == 200
    after = await api.client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert after.status_code == 401
    assert after.json() == {"error": "The access token is invalid"}


async def test_another_client_cannot_revoke_a_token(api: Api) -> None:
    app = await api.create_app()
    other = await api.create_app()
    token = await api.register("alice", app=app)
    await api.client.post(
        "/oauth/revoke",
        data={
            "client_id": other["client_id"],
            "client_secret": other["client_secret"],
            "token": token,
        },
    )
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert me.status_code == 200


async def test_tokens_are_stored_only_as_digests(api: Api, rt: Any) -> None:
    from sqlalchemy import select

    from chirp.oauth.models import AccessToken, OAuthApp

    app = await api.create_app()
    token = await api.register("alice", app=app)
    rows: list[Any] = []

    async def collect(shard: Any) -> None:
        async with shard.sessions() as session:
            rows.extend((await session.scalars(select(AccessToken))).all())
            rows.extend((await session.scalars(select(OAuthApp))).all())

    await rt.shards.gather(collect)
    stored = " ".join(str(vars(row)) for row in rows)
    assert token not in stored
    assert app["client_secret"] not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert len(token) >= 43  # at least 256 random bits after the shard prefix


async def test_two_concurrent_redemptions_of_one_code_mint_one_token(api: Api) -> None:
    import asyncio

    app = await api.create_app(redirect_uris=REDIRECT)
    await api.register("alice")
    verifier, challenge = pkce_pair()
    code = code_from(await consent(api.client, app, email="alice@example.com", challenge=challenge))
    answers = await asyncio.gather(*(exchange(api.client, app, code, verifier) for _ in range(4)))
    assert sorted(r.status_code for r in answers) == [200, 400, 400, 400]


async def test_a_verifier_for_a_code_without_challenge_is_a_downgrade(api: Api) -> None:
    app = await api.create_app(redirect_uris=REDIRECT)
    await api.register("alice")
    code = code_from(await consent(api.client, app, email="alice@example.com"))
    verifier, _ = pkce_pair()
    response = await exchange(api.client, app, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_private_scheme_redirects_are_accepted_and_script_schemes_refused(api: Api) -> None:
    native = await api.client.post(
        "/api/v1/apps",
        data={"client_name": "native", "redirect_uris": "com.example.app:/oauth2redirect"},
    )
    assert native.status_code == 200
    assert native.json()["redirect_uris"] == ["com.example.app:/oauth2redirect"]
    for uri in ("javascript:alert(1)", "data:text/html,x", "https://a.example/cb#frag"):
        refused = await api.client.post(
            "/api/v1/apps", data={"client_name": "x", "redirect_uris": uri}
        )
        assert refused.status_code == 422, uri


async def test_denying_an_oob_request_shows_a_page_not_a_redirect(api: Api) -> None:
    app = await api.create_app()
    page = await api.client.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
        },
    )
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    response = await api.client.post("/oauth/authorize", data={**hidden, "decision": "deny"})
    assert response.status_code == 403
    assert "location" not in response.headers


async def test_a_non_ascii_csrf_value_is_refused_not_a_500(api: Api) -> None:
    app = await api.create_app(redirect_uris=REDIRECT)
    api.client.cookies.set("chirp_csrf", "abc", path="/oauth")
    response = await api.client.post(
        "/oauth/authorize",
        data={
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT,
            "csrf": "\u00e9t\u00e9",
        },
    )
    assert response.status_code == 403


async def test_invalid_client_over_basic_auth_gets_a_basic_challenge(api: Api) -> None:
    basic = base64.b64encode(b"nobody:nothing").decode()
    response = await api.client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_the_profile_scope_reads_ones_own_credentials(api: Api) -> None:
    app = await api.create_app(scopes="read write follow push profile")
    await api.register("alice", app=app)
    response = await api.password_grant(app, "profile")
    me = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(response.json()["access_token"])
    )
    assert me.status_code == 200
