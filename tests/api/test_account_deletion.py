"""Deleting an account: through the admin API (suspended first, as Mastodon) and the command
line's use case, nothing of it is left on any shard, in Redis or among the stored files,
and every count it took part in is put back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, select

from chirp.db.base import Base
from chirp.moderation import operator
from chirp.runtime import Runtime
from tests import media_files
from tests.api.test_media import uploaded
from tests.api.test_moderation import moderate, staff
from tests.conftest import Api, User, post, user

# Rows of others that may go on naming the account or its statuses: the moderators' record,
# and others' replies to its posts (theirs, as in Mastodon).
KEPT = {
    ("audit_entry", "target_id"),
    ("report", "target_account_id"),
    ("status", "in_reply_to_account_id"),
    ("status", "in_reply_to_id"),
}


async def _counts(api: Api, who: User) -> dict[str, int]:
    account = (await api.client.get(f"/api/v1/accounts/{who.id}")).json()
    return {k: account[k] for k in ("followers_count", "following_count", "statuses_count")}


async def _status(api: Api, status_id: str) -> dict[str, Any]:
    return dict((await api.client.get(f"/api/v1/statuses/{status_id}")).json())


async def _everything_of(api: Api, rt: Runtime, gone: User) -> dict[str, Any]:
    """Build an account that has done a bit of everything, with others around it."""
    alice, bob, dave, erin = [await user(api, n) for n in ("alice", "bob", "dave", "erin")]
    client = api.client
    for follower, followed in ((alice, gone), (gone, bob)):
        await client.post(f"/api/v1/accounts/{followed.id}/follow", headers=follower.auth)
    await client.post(f"/api/v1/accounts/{dave.id}/block", headers=gone.auth)
    await client.post(f"/api/v1/accounts/{gone.id}/mute", headers=erin.auth)
    await client.post("/api/v1/tags/cats/follow", headers=gone.auth)
    b1 = await post(api, bob, "bob's first")
    b2 = await post(api, bob, "bob's second")
    media = await uploaded(client, gone, media_files.jpeg(), description="mine")
    p1 = await post(api, gone, "hello @alice #cats")
    p2 = await post(api, gone, "an answer", in_reply_to_id=b1)
    p3 = await post(api, gone, "a picture", **{"media_ids[]": media["id"]})
    reblog = (await client.post(f"/api/v1/statuses/{b2}/reblog", headers=gone.auth)).json()
    for path in ("favourite", "bookmark"):
        await client.post(f"/api/v1/statuses/{b1}/{path}", headers=gone.auth)
    await client.post(f"/api/v1/statuses/{p1}/pin", headers=gone.auth)
    await client.post(f"/api/v1/statuses/{p1}/reblog", headers=alice.auth)
    await client.post(f"/api/v1/statuses/{p1}/favourite", headers=alice.auth)
    reply = await post(api, bob, "@gone nice", in_reply_to_id=p1)
    mention = await post(api, erin, "hey @gone")
    avatar = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=gone.auth,
        files={"avatar": ("me.jpg", media_files.jpeg(), "image/jpeg")},
    )
    assert avatar.status_code == 200, avatar.text
    await client.post("/api/v1/reports", headers=gone.auth, data={"account_id": bob.id})
    await client.post("/api/v1/reports", headers=alice.auth, data={"account_id": gone.id})
    storage = rt.media.storage
    files = [media["url"], avatar.json()["avatar"]]
    keys = [url.split("/media/", 1)[1] for url in files]
    assert all([await storage.age(k) is not None for k in keys])
    return {
        "people": (alice, bob, dave, erin),
        "statuses": [p1, p2, p3, reblog["id"]],
        "bob": (b1, b2),
        "kept": (reply, mention),
        "keys": keys,
    }


async def test_nothing_of_a_deleted_account_is_left(api: Api, rt: Runtime) -> None:
    admin = await staff(api, rt, "boss")
    gone = await user(api, "gone")
    made = await _everything_of(api, rt, gone)
    alice, bob = made["people"][:2]
    b1, b2 = made["bob"]
    before = {who.id: await _counts(api, who) for who in (alice, bob)}
    assert before[alice.id]["following_count"] == 1 and before[bob.id]["followers_count"] == 1
    assert (await _status(api, b1))["favourites_count"] == 1

    # The checks below find what there is to find.
    assert await _rows_naming(rt, int(gone.id), {int(s) for s in made["statuses"]})
    if rt.redis is not None:
        assert await _keys_naming(rt, gone.id, made["statuses"])

    # The admin API deletes only what is suspended first, as Mastodon's.
    path = f"/api/v1/admin/accounts/{gone.id}"
    assert (await api.client.delete(path, headers=admin.auth)).status_code == 403
    await moderate(api, admin, gone, "suspend")
    deleted = await api.client.delete(path, headers=admin.auth)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["username"] == "gone"

    assert (await api.client.get(path, headers=admin.auth)).status_code == 404
    assert (await api.client.get(f"/api/v1/accounts/{gone.id}")).status_code == 404
    assert (await api.client.get("/api/v1/timelines/home", headers=gone.auth)).status_code == 401
    leftovers = await _rows_naming(rt, int(gone.id), {int(s) for s in made["statuses"]})
    assert leftovers == set(), leftovers
    for key in made["keys"]:
        assert await rt.media.storage.age(key) is None, key
    assert await _keys_naming(rt, gone.id, made["statuses"]) == []

    # Every count it took part in is back where it was without it.
    after = {who.id: await _counts(api, who) for who in (alice, bob)}
    assert after[alice.id]["following_count"] == before[alice.id]["following_count"] - 1
    assert after[alice.id]["statuses_count"] == before[alice.id]["statuses_count"] - 1  # reblog
    assert after[bob.id]["followers_count"] == before[bob.id]["followers_count"] - 1
    first, second = await _status(api, b1), await _status(api, b2)
    assert (first["favourites_count"], first["replies_count"]) == (0, 0)
    assert second["reblogs_count"] == 0
    # Others' pages no longer carry it; their own rows stay.
    home = await api.client.get("/api/v1/timelines/home", headers=alice.auth)
    assert all(s["account"]["id"] != gone.id for s in home.json())
    notified = await api.client.get("/api/v1/notifications", headers=alice.auth)
    assert all(n["account"]["id"] != gone.id for n in notified.json())
    reply, mention = made["kept"]
    assert (await _status(api, reply))["in_reply_to_id"] == made["statuses"][0]
    assert (await _status(api, mention))["mentions"] == []
    # And a name freed is a name free: it can be registered again.
    again = await user(api, "gone")
    assert again.id != gone.id


async def test_the_command_line_deletes_without_a_suspension_first(api: Api, rt: Runtime) -> None:
    gone = await user(api, "gone")
    friend = await user(api, "friend")
    await api.client.post(f"/api/v1/accounts/{friend.id}/follow", headers=gone.auth)
    await post(api, gone, "soon gone")
    await operator.delete(rt, "gone")
    assert await _rows_naming(rt, int(gone.id), set()) == set()
    assert (await _counts(api, friend))["followers_count"] == 0
    await operator.delete(rt, "friend")  # twice in a row is fine too
    assert (await api.client.get(f"/api/v1/accounts/{friend.id}")).status_code == 404


async def _rows_naming(rt: Runtime, account_id: int, status_ids: set[int]) -> set[Any]:
    """(table, column, database) of every row, on every database, whose id columns name
    the account or one of its statuses (but for the rows kept on purpose)."""
    wanted = {account_id, *status_ids}
    found: set[Any] = set()

    async def scan(shard: Any) -> None:
        async with shard.engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                for column in table.columns:
                    if (table.name, column.name) in KEPT:
                        continue
                    if not isinstance(column.type, BigInteger):  # ids (Snowflake)
                        continue
                    query = select(column).where(column.in_(wanted)).limit(1)
                    if (await conn.execute(query)).first() is not None:
                        found.add((table.name, column.name, shard.index))

    await rt.shards.gather(scan)
    return found


async def _keys_naming(rt: Runtime, account_id: str, status_ids: list[str]) -> list[str]:
    """Redis keys under this run's prefix naming the account or its statuses (but for the
    relations cache's version stamps, which hold no data and expire), and feeds that still
    hold one of its statuses."""
    if rt.redis is None:
        return []
    prefix = rt.settings.redis_prefix
    left = []
    async for raw in rt.redis.scan_iter(match=f"{prefix}*", count=1000):
        key = raw.decode()
        if f"{prefix}relv:" in key or key == f"{prefix}relgen":
            continue
        if any(f":{i}" in key or f"{{{i}" in key for i in (account_id, *status_ids)):
            left.append(key)
        elif ":feed:" in key or key.endswith(":feed"):
            scores = [await rt.redis.zscore(key, s) for s in status_ids]
            if any(score is not None for score in scores):
                left.append(key)
    return left
