"""Rows for bulk inserts that bypass the services (the seed, the fan-out benchmark, engine
tests): one place that knows every column a new account or follow needs, so a column added
by a migration is added here once."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def account_row(
    account_id: int, username: str, created: datetime, **columns: Any
) -> dict[str, Any]:
    """A new local account as sign-up would leave it; ``columns`` override (counters, profile)."""
    return {
        "id": account_id,
        "username": username,
        "username_key": username.lower(),
        "display_name": "",
        "note": "",
        "locked": False,
        "bot": False,
        "discoverable": True,
        "hide_collections": False,
        "fields": [],
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": 0,
        "last_status_at": None,
        "fanout_pulled": False,
        "created_at": created,
        "updated_at": created,
        **columns,
    }


def follow_row(
    follow_id: int, account_id: int, target_id: int, created: datetime
) -> dict[str, Any]:
    return {
        "id": follow_id,
        "account_id": account_id,
        "target_id": target_id,
        "show_reblogs": True,
        "notify": False,
        "created_at": created,
    }
