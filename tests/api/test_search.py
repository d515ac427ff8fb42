"""Search over HTTP: accounts, hashtags and statuses, only what the searcher may see, on every
shard; and the full-text query is answered from the index."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from chirp.runtime import Runtime
from chirp.search.repository import SearchRepository, SearchScope
from tests.conftest import Api, User, post, user
from tests.integration.test_query_count import name_on


async def _search(api: Api, who: User | None, q: str, **params: Any) -> dict[str, Any]:
    response = await api.client.get(
        "/api/v2/search", params={"q": q, **params}, headers=who.auth if who else {}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


async def test_accounts_match_username_prefix_and_display_name(api: Api) -> None:
    ann = await user(api, "annika")
    ben = await user(api, "ben")
    await user(api, "anna")
    await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=ben.auth,
        data={"display_name": "Benny Annex"},
    )
    found = await _search(api, ann, "ann", type="accounts")
    assert {a["username"] for a in found["accounts"]} == {"annika", "anna", "ben"}
    exact = await _search(api, ann, "@anna", type="accounts")
    assert exact["accounts"][0]["username"] == "anna"
    assert (await _search(api, ann, "anna@elsewhere.example", type="accounts"))["accounts"] == []
    assert (await _search(api, ann, "anna@chirp.test", type="accounts"))["accounts"][0][
        "username"
    ] == "anna"

    await api.client.post(f"/api/v1/accounts/{ben.id}/follow", headers=ann.auth)
    followed = await _search(api, ann, "ann", type="accounts", following="true")
    assert [a["username"] for a in followed["accounts"]] == ["ben"]

    v1 = await api.client.get(
        "/api/v1/accounts/search", params={"q": "ann", "limit": 1}, headers=ann.auth
    )
    assert v1.status_code == 200 and len(v1.json()) == 1
    assert (await api.client.get("/api/v1/accounts/search", params={"q": "ann"})).status_code == 401


async def test_blocked_and_muted_accounts_are_left_out(api: Api) -> None:
    ann, bob, bea = await user(api, "ann"), await user(api, "bob"), await user(api, "bea")
    await api.client.post(f"/api/v1/accounts/{bob.id}/block", headers=ann.auth)
    await api.client.post(f"/api/v1/accounts/{ann.id}/block", headers=bea.auth)
    await post(api, bob, "a blocked word: zebra")
    await post(api, bea, "a blocker word: zebra")
    found = await _search(api, ann, "b")
    assert "bob" not in {a["username"] for a in found["accounts"]}
    assert "bea" not in {a["username"] for a in found["accounts"]}
    assert (await _search(api, ann, "zebra"))["statuses"] == []


async def test_hashtags_complete_prefixes_by_use(api: Api) -> None:
    ann, ben = await user(api, "ann"), await user(api, "ben")
    await post(api, ann, "#chirping #chirpy")
    await post(api, ben, "#Chirpy again")
    await post(api, ben, "#chirpsecret only for followers", visibility="private")
    found = await _search(api, ann, "#chirp", type="hashtags")
    names = [t["name"] for t in found["hashtags"]]
    assert names == ["chirp", "chirpy", "chirping"]  # the exact tag, then by use
    assert "chirpsecret" not in names  # a tag used only privately is not revealed
    chirpy = found["hashtags"][1]
    assert chirpy["history"][0]["uses"] == "2" and chirpy["following"] is False
    paged = await _search(api, ann, "#chirp", type="hashtags", offset=1, limit=1)
    assert [t["name"] for t in paged["hashtags"]] == ["chirpy"]
    assert (await _search(api, ann, "#", type="hashtags"))["hashtags"] == []


async def test_statuses_found_are_only_those_the_searcher_may_see(api: Api, rt: Runtime) -> None:
    # On PostgreSQL the searcher and the writers are spread over both databases.
    me = await user(api, name_on(rt, 0, "me"))
    friend = await user(api, name_on(rt, 1, "friend"))
    stranger = await user(api, name_on(rt, 1, "stranger"))
    other = await user(api, name_on(rt, 0, "other"))
    await api.client.post(f"/api/v1/accounts/{friend.id}/follow", headers=me.auth)
    visible = {
        await post(api, friend, "kiwi public", visibility="public"),
        await post(api, stranger, "kiwi public too", visibility="public"),
        await post(api, friend, "kiwi for followers", visibility="private"),
        await post(api, friend, "kiwi unlisted by a friend", visibility="unlisted"),
        await post(api, stranger, f"@{me.id} kiwi", visibility="public"),
        await post(api, me, "my own kiwi", visibility="direct"),
        await post(api, other, f"kiwi direct to @{_name(rt, 0, 'me')}", visibility="direct"),
        await post(api, other, f"kiwi private to @{_name(rt, 0, 'me')}", visibility="private"),
    }
    hidden = {
        await post(api, stranger, "kiwi for their followers", visibility="private"),
        await post(api, stranger, "kiwi direct to nobody", visibility="direct"),
        await post(api, other, f"kiwi direct to @{_name(rt, 1, 'friend')}", visibility="direct"),
        await post(api, stranger, "kiwi unlisted", visibility="unlisted"),
        await post(api, friend, "no fruit here"),
    }
    found = await _search(api, me, "KIWI", type="statuses", limit=40)
    assert set(_ids(found["statuses"])) == visible
    assert not hidden & set(_ids(found["statuses"]))
    anonymous = await _search(api, None, "kiwi", type="statuses")
    texts = {s["content"] for s in anonymous["statuses"]}
    assert len(anonymous["statuses"]) == 3 and all("public" in t or "@" in t for t in texts)


def _name(rt: Runtime, database: int, prefix: str) -> str:
    return name_on(rt, database, prefix)


async def test_status_search_pages_by_offset_across_shards(api: Api, rt: Runtime) -> None:
    writers = [await user(api, name_on(rt, n % 2, f"w{n}")) for n in range(2)]
    posted = [await post(api, writers[n % 2], f"mango number {n}") for n in range(7)]
    me = await user(api, "me")
    newest_first = posted[::-1]
    pages = [
        _ids((await _search(api, me, "mango", type="statuses", limit=3, offset=o))["statuses"])
        for o in (0, 3, 6)
    ]
    assert pages == [newest_first[0:3], newest_first[3:6], newest_first[6:]]
    only = await _search(api, me, "mango", type="statuses", account_id=writers[0].id, limit=40)
    assert set(_ids(only["statuses"])) == set(posted[0::2])


async def test_edits_and_deletes_reach_the_index(api: Api) -> None:
    ann = await user(api, "ann")
    status = await post(api, ann, "papaya")
    await api.client.put(f"/api/v1/statuses/{status}", headers=ann.auth, json={"status": "guava"})
    assert (await _search(api, ann, "papaya", type="statuses"))["statuses"] == []
    assert _ids((await _search(api, ann, "guava", type="statuses"))["statuses"]) == [status]
    await api.client.delete(f"/api/v1/statuses/{status}", headers=ann.auth)
    assert (await _search(api, ann, "guava", type="statuses"))["statuses"] == []


async def test_query_syntax_in_the_words_is_just_text(api: Api) -> None:
    ann = await user(api, "ann")
    status = await post(api, ann, 'lime AND (lemon) NEAR "quote')
    for q in ("lime AND", '"lemon', "NEAR(", "lime* -lemon", "quote'"):
        found = await _search(api, ann, q, type="statuses")
        assert _ids(found["statuses"]) == [status], q


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"q": "x", "type": "bogus"}, 422),
        ({"q": "   "}, 400),
        ({"q": "x", "limit": "many"}, 422),
        ({"q": "x", "offset": "-1"}, 422),
    ],
)
async def test_bad_search_input_is_refused(api: Api, params: dict[str, str], code: int) -> None:
    ann = await user(api, "ann")
    response = await api.client.get("/api/v2/search", params=params, headers=ann.auth)
    assert response.status_code == code
    assert "error" in response.json()


async def test_offset_needs_a_user_token(api: Api) -> None:
    response = await api.client.get("/api/v2/search", params={"q": "x", "offset": 5})
    assert response.status_code == 401


async def test_the_status_query_is_answered_from_the_full_text_index(api: Api, rt: Runtime) -> None:
    ann = await user(api, "ann")
    await post(api, ann, "apricot")
    scope = SearchScope(int(ann.id), [1, 2], [3])
    for shard in rt.shards.physical:
        async with shard.engine.begin() as conn:
            query = SearchRepository(rt.uow()).status_query(["apricot"], scope, 20)
            compiled = query.compile(conn.engine, compile_kwargs={"literal_binds": True})
            if conn.dialect.name == "postgresql":
                # Enough rows, with fresh statistics, that a scan would cost more than the
                # index: then the planner must choose the GIN index by itself.
                await conn.execute(text(FILLER))
                await conn.execute(text("ANALYZE status"))
                plan = "\n".join((await conn.execute(text(f"EXPLAIN {compiled}"))).scalars())
                assert "ix_status_text_fts" in plan, plan
            else:
                rows = (await conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
                plan = "\n".join(str(row[-1]) for row in rows)
                assert "status_fts VIRTUAL TABLE INDEX" in plan, plan


FILLER = """
INSERT INTO status (id, account_id, text, content, spoiler_text, sensitive, visibility,
                    replies_count, reblogs_count, favourites_count, created_at)
SELECT n, 1000 + n % 50, 'filler words number ' || n || ' of many', '', '', false, 'public',
       0, 0, 0, now()
FROM generate_series(1, 20000) AS n
"""
