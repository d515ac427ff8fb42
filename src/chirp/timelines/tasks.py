"""Fan-out jobs: what the timeline engine does after a status or a follow changes.

A status's fan-out writes the followers' feeds (as the strategy says) and streams it to those
of them with a user stream open (``rt.streams``, kept by chirp.streaming), batch by batch.

Every job is idempotent and carries ids only, so a redelivered job leaves every feed as one
delivery would: adding an id twice keeps one, removing a missing id does nothing, and dropping
a feed only makes the next read rebuild it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import structlog

from chirp.accounts.repository import AccountRepository
from chirp.core.ids import time_of
from chirp.graph.models import Follow
from chirp.graph.repository import GraphRepository
from chirp.posts.repository import StatusRepository
from chirp.tags.repository import TagRepository
from chirp.timelines.events import AuthorPulled
from chirp.timelines.platform import TimelinesPlatform

log = structlog.get_logger(__name__)
FEED_STRATEGIES = ("push", "hybrid")
T = TypeVar("T")
IN_FLIGHT = 2  # batches delivered at once by a fan-out (see overlapped)


def _every_feed(rt: TimelinesPlatform, account_ids: list[int]) -> list[str]:
    """These accounts' feeds under every strategy that keeps feeds: a delete or a follow
    change reaches feeds a strategy switch may have left behind, in one call."""
    return [key for name in FEED_STRATEGIES for key in rt.feed_reader.keys(name, account_ids)]


async def follower_batches(rt: TimelinesPlatform, author_id: int) -> AsyncIterator[list[int]]:
    """The author's followers, a batch at a time, one database after another; each batch read
    in a unit of work of its own so no transaction stays open across the feed writes."""
    size = rt.settings.fanout_batch
    for shard in rt.shards.physical:
        after = 0
        while True:
            async with rt.uow() as uow:
                rows = await GraphRepository(uow).followers_after(shard, author_id, after, size)
            if rows:
                yield [follower for _, follower in rows]
            if len(rows) < size:
                break
            after = rows[-1][0]


async def read_ahead(batches: AsyncIterator[T]) -> AsyncIterator[T]:
    """``batches``, with the next one read while the caller works on the current one."""
    upcoming = asyncio.ensure_future(anext(batches))
    try:
        while True:
            try:
                batch = await upcoming
            except StopAsyncIteration:
                return
            upcoming = asyncio.ensure_future(anext(batches))
            yield batch
    finally:
        if not upcoming.done():
            upcoming.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await upcoming


async def overlapped(
    batches: AsyncIterator[list[int]], deliver: Callable[[list[int]], Awaitable[None]]
) -> AsyncIterator[list[int]]:
    """``deliver`` each batch, yielding it once delivered. The work overlaps: the next batch
    is read (``read_ahead``) while two are delivered, so the database, this process and Redis
    each work while another waits, and a big fan-out is bound by the slowest of them rather
    than by their sum."""
    running: dict[asyncio.Future[None], list[int]] = {}
    try:
        async for batch in read_ahead(batches):
            if len(running) >= IN_FLIGHT:
                yield await _first_done(running)
            running[asyncio.ensure_future(deliver(batch))] = batch
        while running:
            yield await _first_done(running)
    finally:
        for future in running:
            future.cancel()
        await asyncio.gather(*running, return_exceptions=True)


async def _first_done(running: dict[asyncio.Future[None], list[int]]) -> list[int]:
    done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
    future = next(iter(done))
    batch = running.pop(future)
    future.result()  # its error, if any, is the fan-out's
    return batch


async def _stream_to_online_followers(
    rt: TimelinesPlatform, author_id: int, send: Callable[[list[int]], Awaitable[None]]
) -> bool:
    """When no feed needs writing, only followers with a stream open need the event: if the
    accounts online anywhere are fewer than the author's followers, find the followers among
    them (a query per batch of online accounts) instead of walking every follower. False
    when walking the followers is the cheaper way (the caller does)."""
    online = await rt.streams.everyone_online()
    async with rt.uow() as uow:
        author = await AccountRepository(uow).get(author_id)
        if author is None or len(online) >= author.followers_count:
            return False
        graph, candidates, size = GraphRepository(uow), sorted(online), rt.settings.fanout_batch
        followers = [
            edge.account_id
            for start in range(0, len(candidates), size)
            for edge in await graph.sources(Follow, author_id, candidates[start : start + size])
        ]
    if followers:
        await send(followers)
    return True


async def _pushes_to_followers(rt: TimelinesPlatform, author_id: int) -> bool:
    """Hybrid: authors over the threshold are pulled at read time instead (and stay pulled)."""
    if rt.home.name != "hybrid":
        return True
    # Read first: nearly every post's author stays as it is, and a write unit of work takes
    # the write lock (SQLite's one writer) for what is only a read.
    async with rt.uow() as uow:
        author = await AccountRepository(uow).get(author_id)
    if author is None or author.fanout_pulled:
        return False
    if author.followers_count <= rt.settings.hybrid_threshold:
        return True
    async with rt.uow(write=True) as uow:
        author = await AccountRepository(uow).get(author_id)
        if author is None or author.fanout_pulled:  # gone, or pulled meanwhile
            return False
        author.fanout_pulled = True
        await rt.events.emit(uow, AuthorPulled(author_id))
        await uow.commit()
    log.info("author_pulled", account_id=author_id)
    return False


async def status_created(rt: TimelinesPlatform, payload: dict[str, Any]) -> None:
    status_id = int(payload["status_id"])
    async with rt.uow() as uow:
        status = await StatusRepository(uow).get(status_id)
        if status is None:
            return  # deleted before its fan-out ran: nothing to show
        author_id = status.account_id
        tagged = status.visibility == "public" and status.reblog_of_id is None
        names = [t.name for t in await StatusRepository(uow).tags([status_id])] if tagged else []
        tag_followers = await TagRepository(uow).followers_of(names) if names else []
    stream = await rt.streams.created(status_id)
    reader, name, feeds = rt.feed_reader, rt.home.name, rt.home.keeps_feeds
    inserted = 0
    if feeds:
        await rt.feeds.add(reader.keys(name, [author_id, *tag_followers]), status_id)
        inserted += 1 + len(tag_followers)
    # Big authors under hybrid (and everyone under pull) are not pushed, but their followers
    # who are online still see the post arrive on their stream.
    push = feeds and await _pushes_to_followers(rt, author_id)
    if push or not await _stream_to_online_followers(rt, author_id, stream):

        async def deliver(batch: list[int]) -> None:
            # Streamed once its feeds hold the status: a client told of it finds it on its
            # next read.
            if push:
                await rt.feeds.add(reader.keys(name, batch), status_id)
            await stream(batch)

        async for batch in overlapped(follower_batches(rt, author_id), deliver):
            inserted += len(batch) if push else 0
    rt.metrics.fanout_inserts.inc(inserted)
    lag = (rt.clock.now() - time_of(status_id)).total_seconds()
    rt.metrics.fanout_lag.observe(max(0.0, lag))


async def status_deleted(rt: TimelinesPlatform, payload: dict[str, Any]) -> None:
    """Take a deleted status out of every feed it may be in. That includes the followers'
    feeds of a pulled author: the status may have been pushed before the author was pulled,
    and a deployment that switched strategy (hybrid to push) has feeds the flag knows nothing
    about. Removing an absent id costs little, and deletes are rare."""
    status_id, author_id = int(payload["status_id"]), int(payload["account_id"])
    names = list(payload.get("tags") or [])
    async with rt.uow() as uow:
        tag_followers = await TagRepository(uow).followers_of(names) if names else []
    public = bool(payload.get("public"))
    await rt.feeds.remove(_every_feed(rt, [author_id, *tag_followers]), [status_id])
    await rt.streams.deleted(status_id, [author_id], public=public, tags=names)

    async def stream(batch: list[int]) -> None:
        await rt.streams.deleted(status_id, batch, public=False)

    # Without feeds (pull) only streams need telling; with them, every follower's feed may
    # hold the status.
    if rt.home.keeps_feeds or not await _stream_to_online_followers(rt, author_id, stream):
        async for batch in follower_batches(rt, author_id):
            await rt.feeds.remove(_every_feed(rt, batch), [status_id])
            await stream(batch)


async def status_updated(rt: TimelinesPlatform, payload: dict[str, Any]) -> None:
    """Feeds hold ids, so an edit changes none of them; stream listeners get the new version."""
    status_id, author_id = int(payload["status_id"]), int(payload["account_id"])
    stream = await rt.streams.updated(status_id, [author_id])
    if not await _stream_to_online_followers(rt, author_id, stream):
        async for batch in follower_batches(rt, author_id):
            await stream(batch)


async def homes_invalidated(rt: TimelinesPlatform, payload: dict[str, Any]) -> None:
    """A follow, unfollow, block, mute or tag follow changed what these accounts' home
    timelines hold: drop their feeds, rebuilt from the database on the next read."""
    accounts = [int(a) for a in payload["account_ids"]]
    await rt.feeds.drop(_every_feed(rt, accounts))
