"""The real Mastodon.py client, from PyPI, against a running `chirp serve`."""

from __future__ import annotations

import uuid

import pytest
from mastodon import Mastodon
from mastodon.errors import (
    MastodonIllegalArgumentError,
    MastodonNotFoundError,
    MastodonUnauthorizedError,
)

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def _names() -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return f"ann_{suffix}", f"ben_{suffix}"


def test_register_log_in_verify_update_look_up_and_revoke(server: str) -> None:
    ann, ben = _names()
    client_id, client_secret = Mastodon.create_app("Chirp e2e", api_base_url=server)
    anon = Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=server,
        version_check_mode="created",
    )
    assert anon.retrieve_mastodon_version() == "4.3.0"
    assert anon.mastodon_api_version == 2
    assert anon.verify_minimum_version("4.3.0")

    for name in (ann, ben):
        registrar = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
        token = registrar.create_account(name, PASSWORD, f"{name}@example.com", agreement=True)
        assert token
        assert registrar.account_verify_credentials().username == name

    me = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
    me.log_in(f"{ann.upper()}@EXAMPLE.COM", PASSWORD, allow_http=True)
    mine = me.account_verify_credentials()
    assert mine.username == ann
    assert mine.source.privacy == "public"
    assert me.app_verify_credentials().name == "Chirp e2e"

    updated = me.account_update_credentials(
        display_name="Ann",
        note="Hello <world>",
        locked=True,
        bot=False,
        discoverable=True,
        fields=[("site", "https://ann.example")],
        default_privacy="unlisted",
    )
    assert updated.display_name == "Ann"
    assert updated.note == "<p>Hello &lt;world&gt;</p>"
    assert updated.locked is True
    assert updated.source.privacy == "unlisted"

    found = me.account_lookup(ben)
    assert found.username == ben
    assert me.account(found.id).acct == ben
    with pytest.raises(MastodonNotFoundError):
        me.account_lookup(f"nobody_{uuid.uuid4().hex[:6]}")

    token = me.access_token
    me.revoke_access_token(allow_http=True)
    stale = Mastodon(access_token=token, api_base_url=server)
    with pytest.raises(MastodonUnauthorizedError):
        stale.account_verify_credentials()


def test_registration_errors_come_back_in_detail(server: str) -> None:
    ann, _ = _names()
    client_id, client_secret = Mastodon.create_app("Chirp e2e", api_base_url=server)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
    token, error = api.create_account(
        ann, "short", "not-an-email", agreement=True, return_detailed_error=True
    )
    assert token is None
    assert error.details.password[0].error == "ERR_TOO_SHORT"
    assert error.details.email[0].error == "ERR_INVALID"


def test_wrong_password_is_refused(server: str) -> None:
    ann, _ = _names()
    client_id, client_secret = Mastodon.create_app("Chirp e2e", api_base_url=server)
    Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server).create_account(
        ann, PASSWORD, f"{ann}@example.com", agreement=True
    )
    me = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=server)
    with pytest.raises(MastodonIllegalArgumentError, match="invalid_grant"):
        me.log_in(f"{ann}@example.com", "Not-the-password-1", allow_http=True)
