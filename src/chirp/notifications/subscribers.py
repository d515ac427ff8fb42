"""How notifications follow what happens to statuses and follows. ``chirp.subscriptions``
subscribes these to the posts' and the graph's events: a notification is written after the
change that caused it commits, and removed in the same transaction as the change that undoes
it (an unfavourite, a delete, an unfollow), so neither can outlive the other."""

from __future__ import annotations

from chirp.db.uow import UnitOfWork
from chirp.graph.events import FollowEnded, FollowRequestAnswered, FollowRequested
from chirp.graph.platform import GraphPlatform
from chirp.graph.repository import GraphRepository
from chirp.notifications.delivery import Pending, deliver
from chirp.notifications.repository import NotificationRepository
from chirp.posts.events import (
    StatusEdited,
    StatusFavourited,
    StatusPosted,
    StatusReblogged,
    StatusRemoved,
    StatusUnfavourited,
)
from chirp.posts.repository import StatusRepository


async def status_posted(rt: GraphPlatform, event: StatusPosted) -> None:
    """The mentioned, and followers who asked to hear of the author's posts."""
    author, status = event.author_id, event.status_id
    pending = [Pending(m, "mention", author, status) for m in event.mentioned]
    if event.to_followers:
        async with rt.uow() as uow:
            watchers = await GraphRepository(uow).notified_followers(author)
        mentioned = set(event.mentioned)
        pending += [Pending(a, "status", author, status) for a in watchers if a not in mentioned]
    await deliver(rt, pending)


async def status_edited(rt: GraphPlatform, event: StatusEdited) -> None:
    """Those who reblogged it (``update``), and the mentioned."""
    async with rt.uow() as uow:
        reblogs = await StatusRepository(uow).reblogs_of(event.status_id)
    editor, status = event.editor_id, event.status_id
    rebloggers = {r.account_id for r in reblogs}
    pending = [Pending(a, "update", editor, status) for a in rebloggers]
    pending += [Pending(m, "mention", editor, status) for m in event.mentioned]
    await deliver(rt, pending)


async def status_favourited(rt: GraphPlatform, event: StatusFavourited) -> None:
    await deliver(rt, [Pending(event.author_id, "favourite", event.account_id, event.status_id)])


async def status_reblogged(rt: GraphPlatform, event: StatusReblogged) -> None:
    await deliver(rt, [Pending(event.author_id, "reblog", event.account_id, event.status_id)])


async def follow_requested(rt: GraphPlatform, event: FollowRequested) -> None:
    kind = "follow_request" if event.pending else "follow"
    await deliver(rt, [Pending(event.target_id, kind, event.account_id)])


async def status_unfavourited(uow: UnitOfWork, event: StatusUnfavourited) -> None:
    await NotificationRepository(uow).remove_between(
        event.author_id, event.account_id, ("favourite",), event.status_id
    )


async def status_removed(uow: UnitOfWork, event: StatusRemoved) -> None:
    """A reblog takes its ``reblog`` notification; a status, every notification about it
    and its reblogs."""
    notifications = NotificationRepository(uow)
    if event.reblog_of_id is None:
        await notifications.remove_about([event.status_id, *event.reblog_ids])
    elif event.reblog_of_account_id is not None:
        await notifications.remove_between(
            event.reblog_of_account_id, event.author_id, ("reblog",), event.reblog_of_id
        )


async def follow_ended(uow: UnitOfWork, event: FollowEnded) -> None:
    await NotificationRepository(uow).remove_between(
        event.target_id, event.account_id, ("follow", "follow_request")
    )


async def follow_request_answered(uow: UnitOfWork, event: FollowRequestAnswered) -> None:
    await NotificationRepository(uow).remove_between(
        event.target_id, event.account_id, ("follow_request",)
    )
