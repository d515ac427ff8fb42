"""What a post's change entry may store in the hot store besides its facts: the writer's
rendering of the status, of its author's account and its zero counters, each only where no
change the rendering missed has been applied (chirp.hotpath.store.HotStore._rendered); and
what a fill under way may store after changes were applied meanwhile (its guard)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from chirp.core.ids import lowest_id_at
from chirp.hotpath.changes import LocalChanges
from chirp.hotpath.records import StatusRecord, record_entry
from chirp.hotpath.store import (
    ACCOUNTS,
    COUNTS,
    DROPS_KEPT,
    LISTS,
    MARKS,
    STATUSES,
    Entry,
    Facts,
    HotStore,
)

AUTHOR = 7
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ACCOUNT = '{"id":"7","statuses_count":3}'


def _store(began: datetime) -> HotStore:
    store = HotStore(
        statuses=100, viewers=100, lists=100, list_size=10, ttl=600, wall=began.timestamp
    )
    return store


def _posted(status_id: int, after: str | None, rendered: datetime = NOW) -> Entry:
    facts = Facts(status_id, AUTHOR, None, None, None, "public", (), False)
    record = StatusRecord(
        status_id, AUTHOR, None, None, None, None, "public", (), (), False,
        b"{", b",", b",", b"",
    )  # fmt: skip
    return [*facts.entry("posted"), record_entry(record), ACCOUNT, after, rendered.timestamp()]


def _post(status_id: int, after: str | None, rendered: datetime = NOW) -> list[Entry]:
    """A post's change: its drop of the author's account, then its entry."""
    return [["account", AUTHOR], _posted(status_id, after, rendered)]


def test_the_shipped_account_is_stored_after_the_drop_its_writer_had_seen() -> None:
    store = _store(NOW - timedelta(hours=1))
    status_id = lowest_id_at(NOW)
    store.apply([["account", AUTHOR]], "5-0")  # an earlier change of the account
    store.apply(_post(status_id, "5-0"), "6-0")
    assert store.accounts.get(AUTHOR) == ACCOUNT.encode()
    assert store.statuses.get(status_id) is not None
    assert store.account_drops.get(AUTHOR) == "6-0"  # the post's own drop


def test_an_account_never_dropped_is_stored_where_changes_were_followed_since() -> None:
    store = _store(NOW - timedelta(hours=1))
    store.apply(_post(lowest_id_at(NOW), None), "6-0")
    assert store.accounts.get(AUTHOR) == ACCOUNT.encode()


def test_a_drop_the_writer_had_not_seen_keeps_the_shipped_account_out() -> None:
    store = _store(NOW - timedelta(hours=1))
    store.apply([["account", AUTHOR]], "5-0")
    store.apply([["account", AUTHOR]], "5-1")  # a follow committed after the rendering
    store.apply(_post(lowest_id_at(NOW), "5-0"), "6-0")
    assert store.accounts.get(AUTHOR) is None


def test_a_process_that_began_after_the_rendering_does_not_place_it() -> None:
    # It saw no drop of the account, but a change the rendering missed may have come
    # before it began.
    store = _store(NOW)
    store.apply(_post(lowest_id_at(NOW), None, rendered=NOW - timedelta(seconds=1)), "6-0")
    assert store.accounts.get(AUTHOR) is None


def test_a_writer_that_saw_a_drop_this_process_did_not_keeps_it_out() -> None:
    store = _store(NOW - timedelta(hours=1))
    store.apply(_post(lowest_id_at(NOW), "5-0"), "6-0")
    assert store.accounts.get(AUTHOR) is None


def test_a_drop_that_could_not_be_logged_forgets_the_last_mark() -> None:
    store = _store(NOW - timedelta(hours=1))
    store.apply([["account", AUTHOR]], "5-0")
    store.apply([["account", AUTHOR]], None)
    store.apply(_post(lowest_id_at(NOW), "5-0"), "6-0")
    assert store.accounts.get(AUTHOR) is None


def test_a_new_status_starts_at_zero_counts_where_every_change_was_seen() -> None:
    store = _store(NOW - timedelta(hours=1))
    status_id = lowest_id_at(NOW)
    store.apply(_post(status_id, None), "6-0")
    assert store.counts.get(status_id) == (0, 0, 0)


def test_counts_changed_before_the_post_entry_arrived_are_not_zeroed() -> None:
    store = _store(NOW - timedelta(hours=1))
    status_id = lowest_id_at(NOW)
    store.apply([["counts", status_id]], "5-0")  # favourited before its post was published
    store.apply(_post(status_id, None), "6-0")
    assert store.counts.get(status_id) is None


def test_a_process_that_began_after_the_status_was_made_does_not_trust_zeros() -> None:
    store = _store(NOW)  # it may have missed a favourite published before it began
    status_id = lowest_id_at(NOW - timedelta(seconds=1))
    store.apply(_post(status_id, None), "6-0")
    assert store.counts.get(status_id) is None


def test_clearing_the_store_forgets_what_shipped_copies_are_checked_against() -> None:
    store = _store(NOW - timedelta(hours=1))
    store.apply([["account", AUTHOR]], "5-0")
    store.clear()
    assert store.account_drops.get(AUTHOR) is None
    store.apply(_post(lowest_id_at(NOW), "5-0"), "6-0")
    assert store.accounts.get(AUTHOR) is None


async def test_a_unit_of_works_entries_are_applied_together_once_it_ends() -> None:
    store = _store(NOW - timedelta(hours=1))
    changes = LocalChanges(store)
    async with changes.gathering():
        await changes.publish([["account", AUTHOR]])
        assert store.account_drops.get(AUTHOR) is None  # not yet: the change is not whole
        await changes.publish([_posted(lowest_id_at(NOW), None)])
    assert store.accounts.get(AUTHOR) == ACCOUNT.encode()
    first = store.account_drops.get(AUTHOR)
    await changes.publish([["account", AUTHOR]])  # outside: at once
    second = store.account_drops.get(AUTHOR)
    assert first is not None and second is not None and first != second
    assert store.accounts.get(AUTHOR) is None


async def test_a_task_started_while_gathering_publishes_its_own_changes() -> None:
    store = _store(NOW - timedelta(hours=1))
    changes = LocalChanges(store)
    async with changes.gathering():
        await asyncio.create_task(changes.publish([["account", AUTHOR]]))
        assert store.account_drops.get(AUTHOR) is not None


# -- guards: what a fill under way may store ---------------------------------------------------


def test_a_fill_keeps_every_key_but_those_dropped_while_it_read() -> None:
    store = _store(NOW - timedelta(hours=1))
    guard = store.guard(ACCOUNTS)
    store.apply([["account", AUTHOR]], "5-0")  # committed while the fill read
    assert not guard.kept(AUTHOR)  # what it read of the author may be older
    assert guard.kept(AUTHOR + 1)  # the others it read are what the database holds
    assert not guard.still  # something of the kind changed
    assert store.guard(ACCOUNTS).kept(AUTHOR)  # a fill that begins after the drop is fine


def test_a_post_refuses_only_the_list_fills_it_joins() -> None:
    store = _store(NOW - timedelta(hours=1))
    guard = store.guard(LISTS)
    facts = Facts(lowest_id_at(NOW), AUTHOR, None, None, None, "public", ("cats",), False)
    store.apply([facts.entry("posted")], "5-0")
    refused = [("public",), ("tag", "cats"), ("author", AUTHOR)]
    assert not any(guard.kept(key) for key in refused)
    assert guard.kept(("tag", "dogs")) and guard.kept(("author", AUTHOR + 1))


def test_a_change_of_a_whole_kind_refuses_every_fill_under_way() -> None:
    store = _store(NOW - timedelta(hours=1))
    lists, accounts = store.guard(LISTS), store.guard(ACCOUNTS)
    store.apply([["retagged", 1]], "5-0")  # every hashtag list is filled again
    assert not lists.kept(("tag", "dogs")) and not lists.kept(("public",))
    store.clear()
    assert not accounts.kept(AUTHOR + 1)


def test_past_the_keys_it_can_remember_every_fill_under_way_is_refused() -> None:
    store = _store(NOW - timedelta(hours=1))
    guard = store.guard(COUNTS)
    for status_id in range(1, DROPS_KEPT + 2):
        store.apply([["counts", status_id]], None)
    assert not guard.kept(DROPS_KEPT + 10)  # never dropped, but no longer known
    assert store.guard(COUNTS).kept(1)


# -- stitched pages: served again while nothing they were made of was dropped ---------------


def test_a_page_stays_untouched_until_something_it_was_made_of_is_dropped() -> None:
    store = _store(NOW - timedelta(hours=1))
    stamp = store.stamp()
    used = [(STATUSES, [1, 2]), (ACCOUNTS, {AUTHOR}), (COUNTS, [1, 2]), (MARKS, [9])]
    assert store.untouched(stamp, used)
    # Changes of other statuses, accounts and viewers leave it as it was.
    store.apply([["counts", 3], ["marks", 10], ["account", AUTHOR + 1], ["status", 4]], "5-0")
    assert store.untouched(stamp, used)
    for entry in (["counts", 2], ["marks", 9], ["account", AUTHOR], ["status", 1]):
        fresh = _store(NOW - timedelta(hours=1))
        before = fresh.stamp()
        fresh.apply([entry], "6-0")
        assert not fresh.untouched(before, used), entry
        assert fresh.untouched(fresh.stamp(), used)  # a page stitched after it is current


def test_clearing_the_store_touches_every_page() -> None:
    store = _store(NOW - timedelta(hours=1))
    stamp = store.stamp()
    store.clear()
    assert not store.untouched(stamp, [(ACCOUNTS, {AUTHOR})])
