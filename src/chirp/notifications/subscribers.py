"""How notifications follow what happens to statuses and follows. ``chirp.subscriptions``
wires these to the posts' and the graph's events: the change that causes a notification
records a job in its own transaction (the outbox) and the job runs the function here, at
least once, after the commit; one that undoes it (an unfavourite, a delete, an unfollow)
removes the notification in its own transaction. A job that runs after its cause was undone
writes nothing: each function first checks that its cause is still there."""

from __future__ import annotations

from chirp.db.uow import UnitOfWork
from chirp.graph.events import FollowEnded, FollowRequestAnswered, FollowRequested
from chirp.graph.models import Follow, FollowRequest
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
from chirp.posts.models import Favourite
from chirp.posts.repository import StatusRepository


async def status_posted(rt: GraphPlatform, event: StatusPosted) -> None:
    """The mentioned, and followers who asked to hear of the author's posts."""
    author, status = event.author_id, event.status_id
    pending = [Pending(m, "mention", author, status) for m in event.mentioned]
    async with rt.uow() as uow:
        if await StatusRepository(uow).get(status) is None:
            return  # deleted before its job ran
        to_followers = event.to_followers
        watchers = await GraphRepository(uow).notified_followers(author) if to_followers else []
    if watchers:
        mentioned = set(event.mentioned)
        pending += [Pending(a, "status", author, status) for a in watchers if a not in mentioned]
    await deliver(rt, pending)


async def status_edited(rt: GraphPlatform, event: StatusEdited) -> None:
    """Those who reblogged it (``update``), and the mentioned."""
    async with rt.uow() as uow:
        if await StatusRepository(uow).get(event.status_id) is None:
            return
        reblogs = await StatusRepository(uow).reblogs_of(event.status_id)
    editor, status = event.editor_id, event.status_id
    rebloggers = {r.account_id for r in reblogs}
    pending = [Pending(a, "update", editor, status) for a in rebloggers]
    pending += [Pending(m, "mention", editor, status) for m in event.mentioned]
    await deliver(rt, pending)


async def status_favourited(rt: GraphPlatform, event: StatusFavourited) -> None:
    async with rt.uow() as uow:
        if await StatusRepository(uow).mark(Favourite, event.account_id, event.status_id) is None:
            return  # unfavourited before its job ran
    await deliver(rt, [Pending(event.author_id, "favourite", event.account_id, event.status_id)])


async def status_reblogged(rt: GraphPlatform, event: StatusReblogged) -> None:
    async with rt.uow() as uow:
        if await StatusRepository(uow).get(event.reblog_id) is None:
            return
    await deliver(rt, [Pending(event.author_id, "reblog", event.account_id, event.status_id)])


async def follow_requested(rt: GraphPlatform, event: FollowRequested) -> None:
    async with rt.uow() as uow:
        graph, edge = GraphRepository(uow), (event.account_id, event.target_id)
        made = await (
            graph.edge(FollowRequest, *edge) if event.pending else graph.edge(Follow, *edge)
        )
        if made is None:
            return  # (or answered: an accepted request notifies nothing more)
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
