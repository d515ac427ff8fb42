"""Publishing to streams: what fan-out calls once a change has committed.

``Streams`` is what the timeline engine's fan-out sees of them (its ``StatusStreams``
protocol), so the timelines never import streaming. Each renders
the entity once, for no particular viewer (Mastodon renders its public payloads the same way),
and publishes it with the facts every connection filters on (see ``messages``). Home ``update``
events go only to accounts that have a user stream open somewhere (``Hub.online``).

Where Mastodon sends what: a public status that is not a reply to someone else goes to the
public streams; a public status (replies too) to the streams of its hashtags; a reblog to
neither. Every status goes to its author's own user stream, and to the user streams of the
accounts fan-out names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from chirp.db.uow import UnitOfWork
from chirp.notifications import service as notices
from chirp.posts.models import Status
from chirp.posts.repository import StatusRepository
from chirp.posts.views import StatusViews
from chirp.streaming import channels
from chirp.streaming.messages import Envelope, StatusFacts
from chirp.streaming.platform import StreamingPlatform


async def status_created(rt: StreamingPlatform, status_id: int) -> HomeStreams:
    """``update`` on the public and hashtag streams the status belongs to, and to its author;
    answers the streams for the followers' batches, holding the render if one was made."""
    rendered = await _status_event(rt, "update", status_id)
    return HomeStreams(rt, status_id, rendered=rendered)


async def status_updated(
    rt: StreamingPlatform, status_id: int, account_ids: Iterable[int]
) -> HomeStreams:
    """``status.update`` where the status was streamed, and to these accounts' user streams;
    answers the streams for the followers' batches, as ``status_created`` does."""
    rendered = await _status_event(rt, "status.update", status_id, account_ids)
    return HomeStreams(rt, status_id, "status.update", rendered)


class HomeStreams:
    """``update`` (or ``status.update``) of one status to the user streams of those accounts
    of each batch fan-out hands it that are online. The status is rendered once per job (by
    ``status_created``/``status_updated`` when they streamed it, else on the first batch with
    anyone online) and the same envelope goes to every batch. The author is skipped:
    ``status_created`` (``status_updated``) already streams a status to its author."""

    def __init__(
        self,
        rt: StreamingPlatform,
        status_id: int,
        event: str = "update",
        rendered: _Rendered | None = None,
    ) -> None:
        self.rt, self.status_id, self.event = rt, status_id, event
        self._rendered = rendered
        self._gone = False  # deleted meanwhile, or a reblog whose original is gone

    async def __call__(self, account_ids: Iterable[int]) -> None:
        online = await self.rt.hub.online(account_ids)
        if not online or self._gone:
            return
        if self._rendered is None:
            async with self.rt.uow() as uow:
                status = await StatusRepository(uow).get(self.status_id)
                rendered = await _render(self.rt, uow, status, self.event) if status else None
            if rendered is None:
                self._gone = True
                return
            self._rendered = rendered
        online.discard(self._rendered.status.account_id)
        envelope = self._rendered.envelope
        await _publish(self.rt, [(channels.home(a), envelope) for a in online])


async def status_deleted(
    rt: StreamingPlatform,
    status_id: int,
    account_ids: Iterable[int],
    *,
    public: bool = True,
    tags: Iterable[str] = (),
) -> None:
    """``delete`` to the public streams (unless ``public`` is false: the status was not
    public, or a reblog), the streams of ``tags`` (the deleted status's hashtags), and the user
    streams of those of ``account_ids`` that are online. The payload is the bare id."""
    envelope = Envelope("delete", str(status_id))
    targets = [channels.home(a) for a in await rt.hub.online(account_ids)]
    if public:
        # The media streams too: a delete of an id they never showed is ignored by clients.
        targets += [channels.PUBLIC, channels.PUBLIC_LOCAL]
        targets += [channels.PUBLIC_MEDIA, channels.PUBLIC_LOCAL_MEDIA]
        for tag in tags:
            targets += [channels.hashtag(tag), channels.hashtag(tag, local=True)]
    await _publish(rt, [(channel, envelope) for channel in targets])


async def notification_created(
    rt: StreamingPlatform, notifications: Iterable[tuple[int, int]]
) -> None:
    """``notification`` on ``timeline:{recipient}:notifications`` (the channel both the user
    and the user:notification streams listen to) for each (recipient id, notification id)
    whose recipient is online. Each is rendered for its recipient, as Mastodon does; a
    notification that was not stored (a duplicate) is skipped."""
    pairs = list(notifications)
    online = await rt.hub.online({recipient for recipient, _ in pairs})
    if not online:
        return
    rows = await notices.stored(rt, [n for recipient, n in pairs if recipient in online])
    await _publish(
        rt,
        [
            (
                channels.notifications(recipient),
                Envelope("notification", _json(entity), actor=int(entity["account"]["id"])),
            )
            for recipient, entity in await notices.render_each(rt, rows)
        ],
    )


async def _status_event(
    rt: StreamingPlatform, event: str, status_id: int, account_ids: Iterable[int] = ()
) -> _Rendered | None:
    """Stream the status to its author, these accounts and its public streams; the render
    (None when nobody needed one, or the status is gone)."""
    async with rt.uow() as uow:
        status = await StatusRepository(uow).get(status_id)
        if status is None:
            return None
        online = await rt.hub.online([status.account_id, *account_ids])
        public = status.visibility == "public" and status.reblog_of_id is None
        if not online and not public:
            return None  # nobody to stream it to: skip rendering
        rendered = await _render(rt, uow, status, event)
    if rendered is None:
        return None
    targets = [channels.home(a) for a in online]
    if public:
        for tag in rendered.tags:
            targets += [channels.hashtag(tag), channels.hashtag(tag, local=True)]
        if status.in_reply_to_account_id in (None, status.account_id):
            targets += [channels.PUBLIC, channels.PUBLIC_LOCAL]  # every status here is local
            if rendered.media:
                targets += [channels.PUBLIC_MEDIA, channels.PUBLIC_LOCAL_MEDIA]
    await _publish(rt, [(channel, rendered.envelope) for channel in targets])
    return rendered


@dataclass(frozen=True, slots=True)
class _Rendered:
    status: StatusFacts
    envelope: Envelope
    tags: list[str]
    media: bool  # for the public:media streams


async def _render(
    rt: StreamingPlatform, uow: UnitOfWork, status: Status, event: str
) -> _Rendered | None:
    entity = await StatusViews.of(rt, uow, None).one(status)
    if entity is None:  # a reblog whose original is gone
        return None
    facts = StatusFacts.of(entity)
    original = StatusFacts.of(entity["reblog"]) if entity["reblog"] else None
    envelope = Envelope(event, _json(entity), status=facts, original=original)
    tags = [tag["name"] for tag in entity["tags"]]
    return _Rendered(facts, envelope, tags, bool(entity["media_attachments"]))


def _json(entity: dict[str, Any]) -> str:
    return orjson.dumps(entity).decode()


async def _publish(rt: StreamingPlatform, items: list[tuple[str, Envelope]]) -> None:
    if not items:
        return
    await rt.hub.publish_many(items)
    for _, envelope in items:
        rt.metrics.stream_events.labels(envelope.event).inc()


class Streams:
    """The live streams as fan-out uses them (``chirp.timelines.platform.StatusStreams``)."""

    def __init__(self, rt: StreamingPlatform) -> None:
        self.rt = rt

    async def everyone_online(self) -> set[int]:
        return await self.rt.hub.everyone_online()

    async def created(self, status_id: int) -> HomeStreams:
        return await status_created(self.rt, status_id)

    async def updated(self, status_id: int, account_ids: Iterable[int]) -> HomeStreams:
        return await status_updated(self.rt, status_id, account_ids)

    async def deleted(
        self,
        status_id: int,
        account_ids: Iterable[int],
        *,
        public: bool = True,
        tags: Iterable[str] = (),
    ) -> None:
        await status_deleted(self.rt, status_id, account_ids, public=public, tags=tags)
