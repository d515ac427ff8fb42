"""The viewer's cached relations (chirp.graph.cache), on the deployment's store (in process on
SQLite, Redis on PostgreSQL): a warm cache answers without the database, every edge change is
seen by the very next request, and a read that raced a change never stores the old edges."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import event

from chirp.config import Settings
from chirp.graph.relations import Relations
from chirp.runtime import Runtime
from tests.api.test_timelines import account_action, follow, home
from tests.conftest import Api, FakeClock, post, user


async def load(rt: Runtime, viewer_id: int) -> Relations:
    async with rt.uow() as uow:
        return await Relations.load(uow, viewer_id, rt.clock.now(), rt.relations)


async def statements_during(rt: Runtime, viewer_id: int) -> int:
    count = 0

    def counted(*_: object) -> None:
        nonlocal count
        count += 1

    engines = [physical.engine.sync_engine for physical in rt.shards.physical]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", counted)
    try:
        await load(rt, viewer_id)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", counted)
    return count


async def test_a_warm_viewer_is_answered_without_the_database(rt: Runtime, api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await follow(api, alice, bob)
    viewer = int(alice.id)

    assert await statements_during(rt, viewer) > 0
    assert await statements_during(rt, viewer) == 0
    assert set((await load(rt, viewer)).following) == {int(bob.id)}


async def test_every_edge_change_is_seen_by_the_next_home_read(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    by_bob = await post(api, bob, "hello")
    assert await home(api, alice) == []  # alice's relations are cached from here on

    await follow(api, alice, bob)
    assert await home(api, alice) == [by_bob]
    await account_action(api, alice, "mute", bob)
    assert await home(api, alice) == []
    await account_action(api, alice, "unmute", bob)
    assert await home(api, alice) == [by_bob]
    await account_action(api, alice, "unfollow", bob)
    assert await home(api, alice) == []


async def test_being_blocked_is_seen_by_the_blocked_viewers_next_request(api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    by_bob = await post(api, bob, "hello")
    path = f"/api/v1/statuses/{by_bob}"
    assert (await api.client.get(path, headers=alice.auth)).status_code == 200  # cached

    await account_action(api, bob, "block", alice)  # a change to alice's "who blocks me"
    assert (await api.client.get(path, headers=alice.auth)).status_code == 404
    await account_action(api, bob, "unblock", alice)
    assert (await api.client.get(path, headers=alice.auth)).status_code == 200


async def test_a_cached_mute_still_runs_out_on_time(
    rt: Runtime, api: Api, clock: FakeClock
) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await account_action(api, alice, "mute", bob, duration="60")
    assert int(bob.id) in (await load(rt, int(alice.id))).muting

    clock.advance(seconds=61)
    assert int(bob.id) not in (await load(rt, int(alice.id))).muting


async def test_a_read_that_raced_a_change_does_not_store_what_it_read(rt: Runtime) -> None:
    viewer = 4242
    edges, version = await rt.relations.get(viewer)
    assert edges is None
    stale = {"follow": [[7, True]], "block": [], "mute": [], "blocked_by": []}

    await rt.relations.forget([viewer])  # a change committed while the read was loading
    await rt.relations.put(viewer, stale, version)
    assert (await rt.relations.get(viewer))[0] is None

    edges, version = await rt.relations.get(viewer)
    await rt.relations.put(viewer, stale, version)  # nothing changed since this read: kept
    assert (await rt.relations.get(viewer))[0] == stale


async def test_mute_end_survives_the_cache_as_an_aware_time(rt: Runtime, api: Api) -> None:
    alice, bob = await user(api, "alice"), await user(api, "bob")
    await account_action(api, alice, "mute", bob, duration="3600")
    await load(rt, int(alice.id))
    edges, _ = await rt.relations.get(int(alice.id))
    assert edges is not None
    [[target, notifications, ends]] = edges["mute"]
    assert (target, notifications) == (int(bob.id), True)
    assert ends is not None
    remaining = datetime.fromisoformat(ends) - rt.clock.now()
    assert timedelta(minutes=59) < remaining <= timedelta(hours=1)


async def test_workers_sharing_only_the_database_pull_homes_and_cache_no_relations(
    settings: Settings,
) -> None:
    """`chirp serve --workers N` without Redis: no worker may keep feeds or relations that the
    others' writes would never reach."""
    alone = settings.model_copy(update={"redis_url": None, "process_local_state": False})
    rt = Runtime.build(alone)
    try:
        assert rt.home.name == "pull"
        assert rt.settings.relations_cache_seconds == 0
        assert rt.settings.status_cache_seconds == rt.settings.account_cache_seconds == 0
        await rt.relations.put(1, {"follow": [], "block": [], "mute": [], "blocked_by": []}, "0")
        assert (await rt.relations.get(1))[0] is None
    finally:
        await rt.close()
