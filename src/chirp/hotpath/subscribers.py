"""What the hot store hears of writes: the posts' and the timelines' events, after commit,
turned into change entries (``chirp.hotpath.store``) and counter deltas
(``chirp.hotpath.counts``). ``chirp.subscriptions`` wires these; entity and relations drops
reach the store through ``chirp.hotpath.mirrors``.

A counter's delta goes to the shared copy before the entry that makes processes read it
again, so a process that reads after the entry sees the new count.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from chirp.hotpath.platform import Hot, HotPlatform
from chirp.hotpath.records import record_entry, record_of
from chirp.hotpath.store import Entry, Facts
from chirp.posts.events import (
    StatusEdited,
    StatusFavourited,
    StatusMarked,
    StatusPosted,
    StatusReblogged,
    StatusRemoved,
    StatusUnfavourited,
)
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews
from chirp.timelines.events import AuthorPulled


async def _counted(hot: Hot, status_id: int, field: str, delta: int) -> Entry:
    await hot.counts.bump(status_id, field, delta)
    return ["counts", status_id]


async def _rendered(rt: HotPlatform, status_id: int, author_id: int) -> list[Any]:
    """What a "posted" entry carries after its facts (none if the status is gone already):
    the record and its author's account, rendered here once, so that no process reads a
    brand-new status, or the account its post just changed, back from the database.

    The account goes with the mark of the last drop of it this process had applied before
    reading it, and the time: a process stores it only if, before the post's own drop
    (which goes out in the same change), that was its last drop of the account too
    (``HotStore._rendered``)."""
    after = rt.hot.store.account_drops.get(author_id)
    rendered = time.time()
    async with rt.uow() as uow:
        row = await StatusRepository(uow).get(status_id)
        entities = await StatusViews.neutral(rt, uow).render([row]) if row else []
    if not entities:
        return []
    entity = entities[0]
    account = orjson.dumps(entity["account"]).decode()
    return [record_entry(record_of(entity)), account, after, rendered]


async def status_posted(rt: HotPlatform, event: StatusPosted) -> None:
    hot = rt.hot
    facts = Facts(
        event.status_id,
        event.author_id,
        None,
        event.in_reply_to_id,
        event.in_reply_to_account_id,
        event.visibility,
        event.tags,
        event.has_media,
    )
    entries = [facts.entry("posted") + await _rendered(rt, event.status_id, event.author_id)]
    if event.in_reply_to_id is not None:
        entries.append(await _counted(hot, event.in_reply_to_id, "p", 1))
    await hot.changes.publish(entries)


async def status_reblogged(rt: HotPlatform, event: StatusReblogged) -> None:
    hot = rt.hot
    facts = Facts(
        event.reblog_id, event.account_id, event.status_id, None, None, event.visibility, (), False
    )
    await hot.changes.publish(
        [
            facts.entry("posted") + await _rendered(rt, event.reblog_id, event.account_id),
            await _counted(hot, event.status_id, "r", 1),
            ["marks", event.account_id],
        ]
    )


async def status_removed(hot: Hot, event: StatusRemoved) -> None:
    facts = Facts(
        event.status_id,
        event.author_id,
        event.reblog_of_id,
        event.in_reply_to_id,
        event.in_reply_to_account_id,
        event.visibility,
        event.tags,
        False,
    )
    entries = [facts.entry("deleted")]
    for reblog_id, reblogger in event.reblogs:
        gone = Facts(reblog_id, reblogger, event.status_id, None, None, "", (), False)
        entries.append(gone.entry("deleted"))
    if event.reblog_of_id is not None:
        entries.append(await _counted(hot, event.reblog_of_id, "r", -1))
        entries.append(["marks", event.author_id])
    if event.in_reply_to_id is not None:
        entries.append(await _counted(hot, event.in_reply_to_id, "p", -1))
    await hot.counts.forget([event.status_id, *(r for r, _ in event.reblogs)])
    await hot.changes.publish(entries)


async def status_edited(hot: Hot, event: StatusEdited) -> None:
    """Its entity is dropped with the entity cache's (the mirror); its tags may have moved."""
    await hot.changes.publish([["retagged", event.status_id]])


async def status_favourited(hot: Hot, event: StatusFavourited) -> None:
    counted = await _counted(hot, event.status_id, "f", 1)
    await hot.changes.publish([counted, ["marks", event.account_id]])


async def status_unfavourited(hot: Hot, event: StatusUnfavourited) -> None:
    counted = await _counted(hot, event.status_id, "f", -1)
    await hot.changes.publish([counted, ["marks", event.account_id]])


async def status_marked(hot: Hot, event: StatusMarked) -> None:
    await hot.changes.publish([["marks", event.account_id]])


async def author_pulled(hot: Hot, event: AuthorPulled) -> None:
    await hot.changes.publish([["pulled"]])
