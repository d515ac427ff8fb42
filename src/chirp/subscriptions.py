"""Who reacts to what: the one place the contexts are wired to each other.

A context below says what happened and never names who listens: in process through
``rt.events`` (``chirp.db.events``; a subscriber runs within the emitting transaction or after
its commit) or durably through the outbox (``chirp.jobs``; a job kind names its handler
here). The composition root (``chirp.runtime``) calls ``job_handlers`` and ``subscribe`` once
per process, so every process reacts the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from functools import partial
from typing import Any, Protocol

from chirp.accounts.repository import AccountRepository
from chirp.db.uow import UnitOfWork
from chirp.graph.events import (
    FOLLOWS_CHANGED,
    FollowEnded,
    FollowRequestAnswered,
    FollowRequested,
)
from chirp.graph.platform import GraphPlatform
from chirp.hotpath import subscribers as hot
from chirp.hotpath.platform import HotPlatform
from chirp.jobs.handlers import Handlers
from chirp.jobs.outbox import record
from chirp.media.engine import MediaEngine
from chirp.moderation import deletion
from chirp.notifications import subscribers as notify
from chirp.notifications.events import NotificationsCreated
from chirp.posts.events import (
    StatusEdited,
    StatusFavourited,
    StatusMarked,
    StatusPosted,
    StatusReblogged,
    StatusRemoved,
    StatusUnfavourited,
)
from chirp.streaming import events as streams
from chirp.streaming.platform import StreamingPlatform
from chirp.timelines import tasks as timelines
from chirp.timelines.events import AuthorPulled

# Outbox rows a release before the graph named its own event wrote for the same change.
LEGACY_HOMES_INVALIDATED = "homes.invalidated"


class Wired(StreamingPlatform, HotPlatform, Protocol):
    """Every piece the subscribers use (``chirp.runtime.Runtime``)."""


# Notifications: each cause records a job in its own transaction (the outbox), so a process
# that dies after the commit cannot lose one; the job writes it once however often it is
# delivered (the notification's unique key), and not at all if the cause was undone first.
Notifier = Callable[[GraphPlatform, Any], Awaitable[None]]
# (event, job kind, notifier, the event's field naming the row its change wrote: the outbox
# row goes on that row's database, so it commits with the change)
NOTIFYING: tuple[tuple[type[Any], str, Notifier, str], ...] = (
    (StatusPosted, "notify.status_posted", notify.status_posted, "status_id"),
    (StatusEdited, "notify.status_edited", notify.status_edited, "status_id"),
    (StatusFavourited, "notify.status_favourited", notify.status_favourited, "status_id"),
    (StatusReblogged, "notify.status_reblogged", notify.status_reblogged, "status_id"),
    (FollowRequested, "notify.follow_requested", notify.follow_requested, "account_id"),
)


def job_handlers(rt: StreamingPlatform) -> Handlers:
    """The handler of every durable job kind (the outbox's and the broker's)."""
    handlers = Handlers()
    for kind, job, notifier, _ in NOTIFYING:
        handlers.register(job, partial(_notify, rt, kind, notifier))
    handlers.register("status.created", partial(timelines.status_created, rt))
    handlers.register("status.deleted", partial(timelines.status_deleted, rt))
    handlers.register("status.updated", partial(timelines.status_updated, rt))
    handlers.register(FOLLOWS_CHANGED, partial(timelines.homes_invalidated, rt))
    handlers.register(LEGACY_HOMES_INVALIDATED, partial(timelines.homes_invalidated, rt))
    handlers.register(deletion.KIND, partial(deletion.run, rt))
    return handlers


def subscribe(rt: Wired) -> None:
    """The in-process subscribers of every domain event."""
    events = rt.events
    # Notifications: recorded within the change (NOTIFYING), removed within the undoing one.
    for kind, job, _, owner in NOTIFYING:
        events.within(kind, partial(_record_notification, rt, job, owner))
    events.within(StatusUnfavourited, notify.status_unfavourited)
    events.within(StatusRemoved, notify.status_removed)
    events.within(FollowEnded, notify.follow_ended)
    events.within(FollowRequestAnswered, notify.follow_request_answered)

    # Streams: a stored notification reaches its recipient's open streams.
    async def notifications_created(event: NotificationsCreated) -> None:
        await streams.notification_created(rt, event.notifications)

    events.after_commit(NotificationsCreated, notifications_created)

    # The hot read path's copies: dropped (and lists kept) after each change commits.
    if rt.hot.enabled:
        state = rt.hot
        events.after_commit(StatusPosted, partial(hot.status_posted, rt))
        events.after_commit(StatusReblogged, partial(hot.status_reblogged, rt))
        events.after_commit(StatusRemoved, partial(hot.status_removed, state))
        events.after_commit(StatusEdited, partial(hot.status_edited, state))
        events.after_commit(StatusFavourited, partial(hot.status_favourited, state))
        events.after_commit(StatusUnfavourited, partial(hot.status_unfavourited, state))
        events.after_commit(StatusMarked, partial(hot.status_marked, state))
        events.after_commit(AuthorPulled, partial(hot.author_pulled, state))


async def _record_notification(
    rt: StreamingPlatform, job: str, owner: str, uow: UnitOfWork, event: Any
) -> None:
    record(rt, uow, job, getattr(event, owner), **asdict(event))


async def _notify(
    rt: StreamingPlatform, kind: type[Any], notifier: Notifier, payload: dict[str, Any]
) -> None:
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in payload.items()}
    await notifier(rt, kind(**fields))


def media_file_users(engine: MediaEngine) -> None:
    """Stored files other contexts keep, so media cleanup never deletes them."""

    async def avatars_and_headers(uow: UnitOfWork, keys: set[str]) -> set[str]:
        return await AccountRepository(uow).image_keys_in_use(keys)

    engine.file_users.append(avatars_and_headers)
