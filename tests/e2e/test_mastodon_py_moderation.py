"""Moderation with Mastodon.py against a running `chirp serve`: a user reports, an admin
(made one with `chirp admin role`) suspends through the admin API, and the suspended
account's post leaves a follower's home and search, its token gets 401 and its open stream
closes; an unsuspend brings it all back."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from mastodon import Mastodon, MastodonUnauthorizedError, StreamListener

from tests.conftest import PASSWORD
from tests.e2e.people import people

pytestmark = pytest.mark.e2e
ADMIN_SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]


def _admin(server: str, env: dict[str, str], name: str) -> Mastodon:
    """``name`` made an admin from the command line, signed in with the admin scopes."""
    made = subprocess.run(
        [sys.executable, "-m", "chirp", "admin", "role", name, "admin"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    client_id, secret = Mastodon.create_app(
        "Chirp e2e admin", scopes=ADMIN_SCOPES, api_base_url=server
    )
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=server)
    api.log_in(f"{name}@example.com", PASSWORD, scopes=ADMIN_SCOPES, allow_http=True)
    return api


def _eventually(check: object, wait: float = 5.0) -> float:
    """Seconds until ``check()`` holds; fails after ``wait``."""
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < wait, "did not happen in time"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_suspension_through_the_admin_api(server: str, e2e_env: dict[str, str]) -> None:
    boss, follower, spammer = people(server, "boss", "follower", "spammer")
    admin = _admin(server, e2e_env, boss.name)
    follower.api.account_follow(spammer.id)
    word = f"narwhal{spammer.name.rsplit('_', 1)[1]}"
    status = spammer.api.status_post(f"buy {word} coins")

    def in_home() -> bool:
        return any(s.id == status.id for s in follower.api.timeline_home())

    def found() -> bool:
        return bool(follower.api.search_v2(word, result_type="statuses").statuses)

    assert in_home() and found()
    report = follower.api.report(spammer.id, status_ids=[status.id], comment="spam")
    reports = admin.admin_reports(target_account_id=spammer.id)
    assert [str(r.id) for r in reports] == [str(report.id)]
    assert str(reports[0].statuses[0].id) == str(status.id)

    handle = spammer.api.stream_user(StreamListener(), run_async=True)
    try:
        _eventually(handle.is_receiving)
        admin.admin_account_moderate(spammer.id, "suspend", report_id=report.id, text="spam")
        assert _eventually(lambda: not handle.is_alive()) < 5.0  # its stream closed
    finally:
        handle.close()
    assert not in_home() and not found()
    with pytest.raises(MastodonUnauthorizedError):
        spammer.api.account_verify_credentials()
    suspended = admin.admin_accounts_v2(status="suspended", username=spammer.name)
    assert [str(a.id) for a in suspended] == [spammer.id] and suspended[0].suspended
    assert admin.admin_reports(target_account_id=spammer.id) == []  # resolved by the action

    admin.admin_account_unsuspend(spammer.id)
    assert in_home() and found()
    assert str(spammer.api.account_verify_credentials().id) == spammer.id
