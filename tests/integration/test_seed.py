"""`chirp seed` builds data the normal API reads correctly, with exact counters, deterministically.

A tiny custom scale is seeded into this run's databases (two shards on PostgreSQL), then read
back through the HTTP API with the tokens the seeder wrote, and its counters are checked
against the rows they count.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from chirp.accounts.models import Account
from chirp.graph.models import Follow
from chirp.posts.models import Favourite, Status, StatusMention, StatusTag
from chirp.runtime import Runtime
from chirp.seed.run import PASSWORD, NotEmpty, seed
from chirp.seed.scales import Scale
from tests.conftest import Api, bearer

TINY = Scale(accounts=40, follows=300, statuses=400, favourites=300)


async def everything(rt: Runtime, query: Any) -> list[Any]:
    async with rt.uow() as uow:
        return await uow.everywhere(query)


async def seeded(rt: Runtime, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    path = tmp_path / "tokens.json"
    await seed(rt.settings, TINY, tokens_path=path, measured=5, progress=False, **extra)
    return dict(json.loads(path.read_text()))


async def test_counters_match_the_rows(rt: Runtime, tmp_path: Path) -> None:
    await seeded(rt, tmp_path)
    accounts = await everything(rt, select(Account))
    follows = await everything(rt, select(Follow))
    statuses = await everything(rt, select(Status))
    favourites = await everything(rt, select(Favourite))
    assert (len(accounts), len(follows), len(statuses), len(favourites)) == (40, 300, 400, 300)

    followers = Counter(f.target_id for f in follows)
    following = Counter(f.account_id for f in follows)
    posted = Counter(s.account_id for s in statuses)
    for account in accounts:
        assert account.followers_count == followers[account.id]
        assert account.following_count == following[account.id]
        assert account.statuses_count == posted[account.id]
    replies = Counter(s.in_reply_to_id for s in statuses if s.in_reply_to_id)
    reblogs = Counter(s.reblog_of_id for s in statuses if s.reblog_of_id)
    faved = Counter(f.status_id for f in favourites)
    for status in statuses:
        assert status.replies_count == replies[status.id]
        assert status.reblogs_count == reblogs[status.id]
        assert status.favourites_count == faved[status.id]
    # The mix a benchmark needs: replies, reblogs, mentions and hashtags all occur.
    assert replies and reblogs
    assert await everything(rt, select(StatusMention)) and await everything(rt, select(StatusTag))
    # No self-follows, no duplicate follows or favourites (unique indexes would have refused).
    assert all(f.account_id != f.target_id for f in follows)
    # Power law: the most followed account has many times the median follower count.
    counts = sorted(followers.values())
    assert counts[-1] >= 4 * counts[len(counts) // 2]


async def test_the_api_reads_seeded_data_with_the_written_tokens(
    rt: Runtime, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    document = await seeded(rt, tmp_path)
    assert len(document["accounts"]) == 5
    for measured in document["accounts"]:
        auth = bearer(measured["token"])
        me = await client.get("/api/v1/accounts/verify_credentials", headers=auth)
        assert me.status_code == 200, me.text
        assert me.json()["id"] == measured["id"]
        assert me.json()["following_count"] > 0
        home = await client.get("/api/v1/timelines/home", params={"limit": 20}, headers=auth)
        assert home.status_code == 200, home.text
        ids = [int(s["id"]) for s in home.json()]
        assert ids == sorted(ids, reverse=True)

    auth = bearer(document["accounts"][0]["token"])
    public = await client.get("/api/v1/timelines/public", params={"limit": 20}, headers=auth)
    assert public.status_code == 200 and len(public.json()) == 20
    for status_id in document["status_ids"][:10]:
        shown = await client.get(f"/api/v1/statuses/{status_id}", headers=auth)
        assert shown.status_code == 200, shown.text
        entity = shown.json()
        assert entity["visibility"] == "public" and entity["content"].startswith("<p>")
        for tag in entity["tags"]:
            assert f"#<span>{tag['name']}</span>" in entity["content"]
    author = document["account_ids"][0]
    page = await client.get(f"/api/v1/accounts/{author}/statuses", headers=auth)
    assert page.status_code == 200 and page.json()
    assert {s["account"]["id"] for s in page.json()} == {author}


async def test_seeded_accounts_log_in_with_the_seed_password(
    rt: Runtime, api: Api, tmp_path: Path
) -> None:
    document = await seeded(rt, tmp_path)
    app = await api.create_app()
    username = document["accounts"][0]["username"]
    response = await api.client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": f"{username.lower()}@seed.example.com",
            "password": PASSWORD,
            "scope": "read",
        },
    )
    assert response.status_code == 200, response.text


async def test_the_same_seed_number_gives_the_same_data(rt: Runtime, tmp_path: Path) -> None:
    async def fingerprint() -> list[tuple[int, int, str]]:
        rows = await everything(rt, select(Status))
        return sorted((s.id, s.account_id, s.content) for s in rows)

    await seeded(rt, tmp_path)
    first = await fingerprint()
    await seeded(rt, tmp_path, reset=True)
    assert await fingerprint() == first
    await seeded(rt, tmp_path, reset=True, seed_number=2)
    assert await fingerprint() != first


async def test_seeding_refuses_a_deployment_that_has_accounts(rt: Runtime, tmp_path: Path) -> None:
    await seeded(rt, tmp_path)
    with pytest.raises(NotEmpty):
        await seeded(rt, tmp_path)
