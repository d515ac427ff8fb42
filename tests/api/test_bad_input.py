"""Bad input never gets a 500: every route, fed junk in every place a client can put it."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest

from chirp.app import create_app
from chirp.runtime import Runtime
from tests.conftest import Api, bearer

JUNK_VALUES = ["", "\x00", "'; DROP TABLE account; --", "9" * 40, "-1", "😀" * 50, "a" * 600]
PARAMS = [
    "id",
    "acct",
    "client_id",
    "client_secret",
    "grant_type",
    "code",
    "scope",
    "redirect_uri",
    "username",
    "email",
    "password",
    "token",
    "response_type",
    "code_challenge",
    "display_name",
    "note",
    "locked",
    "source[privacy]",
    "fields_attributes[0][name]",
    "agreement",
    "locale",
    "client_name",
    "redirect_uris",
    "scopes",
    "website",
    "code_verifier",
    "state",
    "csrf",
    "decision",
    "status",
    "in_reply_to_id",
    "visibility",
    "spoiler_text",
    "sensitive",
    "language",
    "max_id",
    "since_id",
    "min_id",
    "limit",
    "types[]",
    "exclude_types[]",
    "id[]",
    "reblogs",
    "notify",
    "notifications",
    "duration",
    "exclude_replies",
    "pinned",
    "tagged",
    "any[]",
]


def _routes(rt: Runtime) -> list[tuple[str, str]]:
    """Every documented route and method, path parameters marked for junk. Event streams
    are left to tests/api/test_streaming_sse.py: an open stream never ends here."""
    spec = create_app(runtime=rt).openapi()
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "{junk}", path))
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "streaming" not in operation.get("tags", [])
    ]


async def test_no_route_answers_500_to_junk(api: Api, rt: Runtime) -> None:
    token = await api.register("alice")
    routes = _routes(rt)
    assert len(routes) >= 50
    for method, template in routes:
        for junk in JUNK_VALUES:
            path = template.replace("{junk}", quote(junk, safe="") or "x")
            data = dict.fromkeys(PARAMS, junk)
            # Junk in the query and the body at once; then a body that is not JSON at all.
            for kwargs in (
                {"params": data, "data": data},
                {"params": data, "json": data},
                {"content": junk.encode(), "headers": {"Content-Type": "application/json"}},
            ):
                headers = {**bearer(token), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
                response = await api.client.request(method, path, headers=headers, **kwargs)
                assert response.status_code < 500, (method, path, kwargs, response.text)
                if response.headers.get("content-type", "").startswith("application/json"):
                    body = response.json()
                    if response.status_code >= 400:
                        assert "error" in body, (method, path, body)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Basic abc",
        "Bearer " + "x" * 5000,
        "Bearer 3ff" + "a" * 43,
        "Bearer zzz" + "a" * 43,
    ],
)
async def test_malformed_authorization_headers_are_401(
    client: httpx.AsyncClient,
    header: str,
) -> None:
    response = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert "error" in response.json()


@pytest.mark.parametrize(
    "body,content_type,status",
    [
        (
            b"redirect_uris=a&redirect_uris[]=b&client_name=x",
            "application/x-www-form-urlencoded",
            422,
        ),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 422),
        (b'{"client_name": "' + b"x" * 1_100_000 + b'"}', "application/json", 413),
    ],
)
async def test_hostile_bodies_get_a_clear_4xx(
    client: httpx.AsyncClient,
    body: bytes,
    content_type: str,
    status: int,
) -> None:
    response = await client.post(
        "/api/v1/apps", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == status
    assert "error" in response.json()


async def test_unicode_digits_are_not_ids(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/accounts/%C2%B2")
    assert response.status_code == 404


def _json(text: str) -> bytes:
    """A JSON object whose ``\\ud800`` escapes decode to lone surrogates on the server (a
    client's own encoder would refuse to send them as UTF-8)."""
    return text.encode()


async def test_a_lone_surrogate_is_refused_with_422_wherever_text_is_taken(api: Api) -> None:
    app = await api.create_app()
    token = await api.register("alice", app=app)
    status = (
        await api.client.post("/api/v1/statuses", data={"status": "x"}, headers=bearer(token))
    ).json()
    attempts = [
        ("POST", "/api/v1/statuses", token, r'{"status": "x\ud800y"}'),
        ("POST", "/api/v1/statuses", token, r'{"status": "#tag\udfff and @bob\ud800"}'),
        ("PUT", f"/api/v1/statuses/{status['id']}", token, r'{"status": "edited \ud800"}'),
        ("PATCH", "/api/v1/accounts/update_credentials", token, r'{"note": "\ud800"}'),
        (
            "POST",
            "/oauth/token",
            None,
            f'{{"grant_type": "password", "client_id": "{app["client_id"]}", '
            f'"client_secret": "{app["client_secret"]}", '
            r'"username": "alice@example.com", "password": "pa\ud800ss"}',
        ),
        (
            "POST",
            "/api/v1/accounts",
            await api.app_token(app),
            r'{"username": "bob", "email": "bob@example.com", "password": "x\ud800xxxxxxx", '
            r'"agreement": true, "locale": "en"}',
        ),
    ]
    for method, path, bearer_token, body in attempts:
        headers = {
            "Content-Type": "application/json",
            **(bearer(bearer_token) if bearer_token else {}),
        }
        response = await api.client.request(method, path, content=_json(body), headers=headers)
        assert response.status_code == 422, (path, response.status_code, response.text)
        assert "surrogate" in response.json()["error"], path
    # Nothing was written: the status is as it was, and no account "bob" exists.
    unchanged = await api.client.get(f"/api/v1/statuses/{status['id']}", headers=bearer(token))
    assert unchanged.json()["content"] == status["content"]
    lookup = await api.client.get("/api/v1/accounts/lookup", params={"acct": "bob"})
    assert lookup.status_code == 404
