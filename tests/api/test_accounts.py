"""Registration, credentials, profile edits and lookup through HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, Api, bearer

ACCOUNT_FIELDS = {
    "id": str,
    "username": str,
    "acct": str,
    "url": str,
    "uri": str,
    "display_name": str,
    "note": str,
    "avatar": str,
    "avatar_static": str,
    "header": str,
    "header_static": str,
    "locked": bool,
    "bot": bool,
    "group": bool,
    "discoverable": bool,
    "indexable": bool,
    "hide_collections": bool,
    "noindex": bool,
    "created_at": str,
    "statuses_count": int,
    "followers_count": int,
    "following_count": int,
    "emojis": list,
    "fields": list,
    "roles": list,
}
SOURCE_FIELDS = {
    "privacy": str,
    "sensitive": bool,
    "note": str,
    "fields": list,
    "follow_requests_count": int,
    "discoverable": bool,
    "indexable": bool,
    "hide_collections": bool,
    "attribution_domains": list,
}


def assert_shape(entity: dict[str, Any], fields: dict[str, type]) -> None:
    for name, kind in fields.items():
        assert name in entity, f"missing {name}"
        assert isinstance(entity[name], kind), f"{name} is {type(entity[name]).__name__}"


async def sign_up(api: Api, **fields: str) -> httpx.Response:
    app = await api.create_app()
    data = {
        "username": "alice",
        "email": "alice@example.com",
        "password": PASSWORD,
        "agreement": "true",
        "locale": "en",
    } | fields
    return await api.client.post(
        "/api/v1/accounts", data=data, headers=bearer(await api.app_token(app))
    )


async def test_registration_answers_a_token_that_verifies(api: Api) -> None:
    response = await sign_up(api)
    assert response.status_code == 200
    token = response.json()
    assert set(token) == {"access_token", "token_type", "scope", "created_at"}
    me = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(token["access_token"])
    )
    assert me.status_code == 200
    body = me.json()
    assert_shape(body, ACCOUNT_FIELDS)
    assert_shape(body["source"], SOURCE_FIELDS)
    assert body["username"] == "alice"
    assert body["role"]["permissions"] == "0"
    assert "email" not in body and "password" not in str(body)


@pytest.mark.parametrize(
    "fields,field,code",
    [
        ({"username": ""}, "username", "ERR_BLANK"),
        ({"username": "al ice"}, "username", "ERR_INVALID"),
        ({"username": "alice!"}, "username", "ERR_INVALID"),
        ({"username": "a" * 31}, "username", "ERR_TOO_LONG"),
        ({"username": "Admin"}, "username", "ERR_RESERVED"),
        ({"email": ""}, "email", "ERR_BLANK"),
        ({"email": "not-an-email"}, "email", "ERR_INVALID"),
        ({"password": ""}, "password", "ERR_BLANK"),
        ({"password": "Short-1"}, "password", "ERR_TOO_SHORT"),
        ({"password": "x" * 129}, "password", "ERR_TOO_LONG"),
        ({"password": "password1"}, "password", "ERR_INVALID"),
        ({"password": "Baseball1"}, "password", "ERR_INVALID"),
        ({"agreement": "false"}, "agreement", "ERR_ACCEPTED"),
        ({"locale": ""}, "locale", "ERR_BLANK"),
        ({"locale": "not a locale"}, "locale", "ERR_INCLUSION"),
    ],
)
async def test_registration_refuses_invalid_fields_in_mastodons_shape(
    api: Api,
    fields: dict[str, str],
    field: str,
    code: str,
) -> None:
    response = await sign_up(api, **fields)
    assert response.status_code == 422
    body = response.json()
    assert body["error"].startswith("Validation failed")
    assert body["details"][field][0]["error"] == code


async def test_passwords_are_not_truncated(api: Api) -> None:
    long_password = "p" * 100 + "-tail-A"
    await sign_up(api, password=long_password)
    app = await api.create_app()
    cut = await api.client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "alice@example.com",
            "password": long_password[:72],
        },
    )
    assert cut.status_code == 400
    whole = await api.client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "alice@example.com",
            "password": long_password,
        },
    )
    assert whole.status_code == 200


async def test_usernames_are_unique_without_regard_to_case(api: Api) -> None:
    assert (await sign_up(api)).status_code == 200
    again = await sign_up(api, username="ALICE", email="other@example.com")
    assert again.status_code == 422
    assert again.json()["details"]["username"][0]["error"] == "ERR_TAKEN"


async def test_duplicate_email_in_another_case_is_refused_without_saying_it_is_registered(
    api: Api,
) -> None:
    assert (await sign_up(api)).status_code == 200
    again = await sign_up(api, username="bob", email="ALICE@Example.COM")
    assert again.status_code == 422
    detail = again.json()["details"]["email"][0]
    assert detail["error"] != "ERR_TAKEN"
    assert "taken" not in again.text and "registered" not in again.text


async def test_registration_needs_write_accounts_scope(api: Api) -> None:
    app = await api.create_app()
    token = await api.app_token(app, scope="read")
    response = await api.client.post(
        "/api/v1/accounts",
        headers=bearer(token),
        data={
            "username": "alice",
            "email": "alice@example.com",
            "password": PASSWORD,
            "agreement": "true",
            "locale": "en",
        },
    )
    assert response.status_code == 403
    assert response.json() == {"error": "This action is outside the authorized scopes"}


async def test_registration_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/accounts", data={"username": "alice"})
    assert response.status_code == 401
    assert response.json()["error"]


async def test_update_credentials_changes_the_profile(api: Api) -> None:
    token = await api.register("alice")
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=bearer(token),
        data={
            "display_name": "Alice A.",
            "note": "<b>hi</b>\nthere",
            "locked": "1",
            "bot": "0",
            "discoverable": "false",
            "source[privacy]": "private",
            "source[language]": "de",
            "fields_attributes[0][name]": "site",
            "fields_attributes[0][value]": "https://alice.example",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "Alice A."
    assert body["note"] == "<p>&lt;b&gt;hi&lt;/b&gt;<br />there</p>"
    assert body["source"]["note"] == "<b>hi</b>\nthere"
    assert body["locked"] is True and body["discoverable"] is False
    assert body["source"]["privacy"] == "private"
    assert body["source"]["language"] == "de"
    assert body["fields"][0]["name"] == "site"
    public = (await api.client.get(f"/api/v1/accounts/{body['id']}")).json()
    assert public["display_name"] == "Alice A." and "source" not in public


async def test_update_credentials_takes_json_too(api: Api) -> None:
    token = await api.register("alice")
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=bearer(token), json={"display_name": "Al"}
    )
    assert response.json()["display_name"] == "Al"


@pytest.mark.parametrize(
    "data",
    [
        {"display_name": "x" * 31},
        {"note": "x" * 501},
        {"source[privacy]": "everyone"},
        {"locked": "maybe"},
    ],
)
async def test_update_credentials_refuses_invalid_values(api: Api, data: dict[str, str]) -> None:
    token = await api.register("alice")
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=bearer(token), data=data
    )
    assert response.status_code == 422
    assert "error" in response.json()
    unchanged = await api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert unchanged.json()["display_name"] == ""


async def test_update_credentials_needs_write_accounts(api: Api) -> None:
    app = await api.create_app()
    await api.register("alice", app=app)
    read_only = await api.password_grant(app, "read")
    headers = bearer(read_only.json()["access_token"])
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=headers, data={"display_name": "x"}
    )
    assert response.status_code == 403
    assert (
        await api.client.get("/api/v1/accounts/verify_credentials", headers=headers)
    ).status_code == 200


async def test_an_app_token_is_not_a_user(api: Api) -> None:
    token = await api.app_token(await api.create_app())
    response = await api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert response.status_code == 422
    assert response.json()["error"] == "This method requires an authenticated user"


async def test_lookup_and_get_by_id(api: Api) -> None:
    await api.register("Alice_1")
    found = await api.client.get("/api/v1/accounts/lookup", params={"acct": "alice_1"})
    assert found.status_code == 200
    assert_shape(found.json(), ACCOUNT_FIELDS)
    assert found.json()["username"] == "Alice_1"
    with_domain = await api.client.get(
        "/api/v1/accounts/lookup", params={"acct": "@alice_1@chirp.test"}
    )
    assert with_domain.json()["id"] == found.json()["id"]
    by_id = await api.client.get(f"/api/v1/accounts/{found.json()['id']}")
    assert by_id.json() == found.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/accounts/lookup?acct=nobody",
        "/api/v1/accounts/lookup?acct=alice@elsewhere.example",
        "/api/v1/accounts/123",
        "/api/v1/accounts/not-a-number",
        "/api/v1/accounts/99999999999999999999999",
        "/api/v1/accounts/-5",
    ],
)
async def test_what_does_not_exist_is_404(api: Api, path: str) -> None:
    await api.register("alice")
    response = await api.client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Record not found"}


async def test_lookup_without_acct_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/accounts/lookup")
    assert response.status_code == 422
    assert response.json()["error"].startswith("Validation failed")


async def test_an_invalid_sign_up_never_looks_the_email_up(api: Api) -> None:
    assert (await sign_up(api)).status_code == 200
    taken = await sign_up(api, username="bob", email="alice@example.com", password="x")
    free = await sign_up(api, username="bob", email="nobody@example.com", password="x")
    assert taken.status_code == free.status_code == 422
    assert taken.json() == free.json()


async def test_profile_field_names_are_plain_text(api: Api) -> None:
    token = await api.register("alice")
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=bearer(token),
        data={"fields_attributes[0][name]": "Q&A", "fields_attributes[0][value]": "<b>x</b>"},
    )
    field = response.json()["fields"][0]
    assert field["name"] == "Q&A"
    assert field["value"] == "&lt;b&gt;x&lt;/b&gt;"
