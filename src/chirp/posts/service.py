"""Status use cases: posting, reading, editing, deleting, and threads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError

from chirp.accounts.repository import AccountRepository
from chirp.core.entities import Kind, forget_after_commit
from chirp.core.errors import NotFound, Unprocessable
from chirp.core.ids import shard_of
from chirp.core.text import iso
from chirp.db.uow import UnitOfWork
from chirp.graph.platform import GraphPlatform
from chirp.jobs.outbox import record
from chirp.media import service as media
from chirp.posts import content
from chirp.posts.access import proper, visible_status
from chirp.posts.events import StatusEdited, StatusPosted, StatusRemoved
from chirp.posts.models import IdempotencyKey, Status, StatusEdit, StatusMention, StatusTag
from chirp.posts.repository import StatusRepository
from chirp.posts.schemas import StatusCreate
from chirp.posts.schemas import StatusEdit as StatusEditInput
from chirp.posts.views import StatusViews
from chirp.posts.visibility import Audience, shown_in_timeline

log = structlog.get_logger(__name__)
IDEMPOTENCY_WINDOW = timedelta(hours=1)
MAX_ANCESTORS = 40
MAX_DESCENDANTS = 4096


async def create(
    rt: GraphPlatform, author_id: int, data: StatusCreate, idempotency_key: str | None
) -> dict[str, Any]:
    _refuse_unsupported(data.poll, data.scheduled_at)
    text = data.status.strip()
    _check_text(rt, text, data.spoiler_text, with_media=bool(data.media_ids))
    now = rt.clock.now()
    async with rt.uow(write=True) as uow:
        repo = StatusRepository(uow)
        if idempotency_key:
            earlier = await _earlier_post(rt, uow, author_id, idempotency_key)
            if earlier is not None:
                return earlier
        parent = None
        if data.in_reply_to_id:
            parent, _ = await visible_status(rt, uow, data.in_reply_to_id, author_id)
            if parent.reblog_of_id is not None:
                raise NotFound()
        accounts = AccountRepository(uow)
        credential = await accounts.credential(author_id)
        visibility = data.visibility or (credential.privacy if credential else "public")
        status = Status(
            id=rt.ids.next_id(shard_of(author_id)),
            account_id=author_id,
            in_reply_to_id=parent.id if parent else None,
            in_reply_to_account_id=parent.account_id if parent else None,
            reblog_of_id=None,
            reblog_of_account_id=None,
            text=text,
            spoiler_text=data.spoiler_text,
            sensitive=data.sensitive or bool(data.spoiler_text),
            visibility=visibility,
            language=data.language,
            replies_count=0,
            reblogs_count=0,
            favourites_count=0,
            created_at=now,
            edited_at=None,
        )
        mentioned, tags = await _write_content(rt, uow, status, text, replace=False)
        repo.add(status)
        if data.media_ids:
            await media.attach(uow, author_id, status.id, data.media_ids)
        if idempotency_key:
            used = await repo.idempotent(author_id, idempotency_key)
            if used is None:
                repo.add(
                    IdempotencyKey(
                        account_id=author_id,
                        key=idempotency_key,
                        status_id=status.id,
                        created_at=now,
                    )
                )
            else:
                # A concurrent retry may have committed the key since the first look: then
                # its post is the answer. Otherwise the key is older than the window (or its
                # status is gone) and starts over.
                earlier = await _earlier_post(rt, uow, author_id, idempotency_key)
                if earlier is not None:
                    return earlier
                used.status_id, used.created_at = status.id, now
        await accounts.bump(author_id, statuses_count=1)
        author = await accounts.get(author_id)
        if author is not None:
            author.last_status_at = now
            if author.sensitized_at is not None:
                status.sensitive = True  # a moderator marked this account's media sensitive
        forget_after_commit(uow, rt.entities, Kind.account, [author_id])
        if parent is not None:
            await repo.bump(parent.id, replies_count=1)
        to_followers = status.in_reply_to_account_id in (None, author_id)
        posted = StatusPosted(
            status.id,
            author_id,
            tuple(mentioned),
            to_followers and visibility != "direct",
            visibility,
            status.in_reply_to_id,
            status.in_reply_to_account_id,
            tags,
            bool(data.media_ids),
        )
        await rt.events.emit(uow, posted)
        record(rt, uow, "status.created", status.id, status_id=status.id)
        try:
            await uow.commit()
        except IntegrityError:
            # The same Idempotency-Key raced in from a retry: answer with the first post.
            await uow.rollback()
            if idempotency_key:
                async with rt.uow() as again:
                    earlier = await _earlier_post(rt, again, author_id, idempotency_key)
                if earlier is not None:
                    return earlier
            raise
        view = await StatusViews.of(rt, uow, author_id).one(status)
    log.info("status_created", status_id=status.id, account_id=author_id, visibility=visibility)
    assert view is not None
    return view


async def _earlier_post(
    rt: GraphPlatform, uow: UnitOfWork, author_id: int, key: str
) -> dict[str, Any] | None:
    repo = StatusRepository(uow)
    row = await repo.idempotent(author_id, key)
    if row is None or row.created_at + IDEMPOTENCY_WINDOW < rt.clock.now():
        return None
    status = await repo.get(row.status_id)
    if status is None:
        return None
    return await StatusViews.of(rt, uow, author_id).one(status)


def _refuse_unsupported(poll: object, scheduled_at: object = None) -> None:
    if poll:  # an empty one is none, as Mastodon reads a blank parameter
        raise Unprocessable("Validation failed: polls are not supported yet")
    if scheduled_at:
        raise Unprocessable("Validation failed: scheduled statuses are not supported yet")


def _check_text(rt: GraphPlatform, text: str, spoiler_text: str, *, with_media: bool) -> None:
    if not text and not with_media:  # a status may be only its media, as on Mastodon
        raise Unprocessable(
            "Validation failed: Text can't be blank",
            details={"status": [{"error": "ERR_BLANK", "description": "can't be blank"}]},
        )
    limit = rt.settings.max_status_chars
    if content.length(text, spoiler_text) > limit:
        raise Unprocessable(
            f"Validation failed: Text character limit of {limit} exceeded",
            details={
                "status": [{"error": "ERR_TOO_LONG", "description": f"is over {limit} characters"}]
            },
        )


async def _write_content(
    rt: GraphPlatform, uow: UnitOfWork, status: Status, text: str, *, replace: bool
) -> tuple[list[int], tuple[str, ...]]:
    """Render ``text`` into ``status`` and record its mentions and tags; the mentioned ids
    and the tags' names."""
    parsed = content.parse(text, rt.settings.domain)
    found = await AccountRepository(uow).by_usernames(parsed.usernames) if parsed.usernames else {}
    targets = {key: content.MentionTarget(a.id, a.username) for key, a in found.items()}
    status.content = content.render(text, rt.settings.public_url, rt.settings.domain, targets)
    repo = StatusRepository(uow)
    mentions = [
        StatusMention(status_id=status.id, account_id=t.account_id, username=t.username)
        for t in targets.values()
    ]
    tags = [
        StatusTag(
            status_id=status.id,
            name=name,
            display=display,
            visibility=status.visibility,
            account_id=status.account_id,
        )
        for name, display in parsed.tags.items()
    ]
    if replace:
        await repo.replace_mentions_and_tags(status, mentions, tags)
    else:
        repo.add(*mentions, *tags)
    mentioned = [t.account_id for t in targets.values() if t.account_id != status.account_id]
    return mentioned, tuple(t.name for t in tags)


async def show(rt: GraphPlatform, raw_id: str, viewer_id: int | None) -> dict[str, Any]:
    async with rt.uow() as uow:
        status, _ = await visible_status(rt, uow, raw_id, viewer_id)
        view = await StatusViews.of(rt, uow, viewer_id).one(status)
    if view is None:
        raise NotFound()
    return view


async def source(rt: GraphPlatform, raw_id: str, viewer_id: int) -> dict[str, Any]:
    async with rt.uow() as uow:
        status, _ = await visible_status(rt, uow, raw_id, viewer_id)
    if status.account_id != viewer_id:
        raise NotFound()  # Mastodon looks only among the caller's own statuses
    return {"id": str(status.id), "text": status.text, "spoiler_text": status.spoiler_text}


async def history(rt: GraphPlatform, raw_id: str, viewer_id: int | None) -> list[dict[str, Any]]:
    async with rt.uow() as uow:
        status, _ = await visible_status(rt, uow, raw_id, viewer_id)
        edits = await StatusRepository(uow).edits(status.id)
        author_view = await StatusViews.of(rt, uow, viewer_id).one(status)
    if author_view is None:
        raise NotFound()
    versions = edits or [
        StatusEdit(
            id=status.id,
            status_id=status.id,
            text=status.text,
            content=status.content,
            spoiler_text=status.spoiler_text,
            sensitive=status.sensitive,
            created_at=status.created_at,
        )
    ]
    return [
        {
            "content": v.content,
            "spoiler_text": v.spoiler_text,
            "sensitive": v.sensitive,
            "created_at": iso(v.created_at),
            "account": author_view["account"],
            "media_attachments": [],
            "emojis": [],
        }
        for v in versions
    ]


async def edit(
    rt: GraphPlatform, raw_id: str, editor_id: int, data: StatusEditInput
) -> dict[str, Any]:
    _refuse_unsupported(data.poll)
    text = data.status.strip()
    _check_text(rt, text, data.spoiler_text, with_media=bool(data.media_ids))
    now = rt.clock.now()
    async with rt.uow(write=True) as uow:
        status, _ = await visible_status(rt, uow, raw_id, editor_id)
        if status.account_id != editor_id or status.reblog_of_id is not None:
            raise NotFound()  # Mastodon looks only among the caller's own statuses
        repo = StatusRepository(uow)
        if not await repo.edits(status.id):  # the first edit keeps the original too
            repo.add(_version(rt, status, status.created_at))
        status.text, status.spoiler_text = text, data.spoiler_text
        author = await AccountRepository(uow).get(editor_id)
        sensitized = author is not None and author.sensitized_at is not None
        status.sensitive = data.sensitive or bool(data.spoiler_text) or sensitized
        status.language = data.language or status.language
        status.edited_at = now
        mentioned, _ = await _write_content(rt, uow, status, text, replace=True)
        # As on Mastodon, an edit's media_ids are the status's media from now on.
        await media.attach(uow, editor_id, status.id, data.media_ids)
        repo.add(_version(rt, status, now))
        forget_after_commit(uow, rt.entities, Kind.status, [status.id])
        await rt.events.emit(uow, StatusEdited(status.id, editor_id, tuple(mentioned)))
        record(rt, uow, "status.updated", status.id, status_id=status.id, account_id=editor_id)
        await uow.commit()
        view = await StatusViews.of(rt, uow, editor_id).one(status)
    log.info("status_edited", status_id=status.id, account_id=editor_id)
    assert view is not None
    return view


def _version(rt: GraphPlatform, status: Status, when: Any) -> StatusEdit:
    return StatusEdit(
        id=rt.ids.next_id(shard_of(status.account_id)),
        status_id=status.id,
        text=status.text,
        content=status.content,
        spoiler_text=status.spoiler_text,
        sensitive=status.sensitive,
        created_at=when,
    )


async def delete(rt: GraphPlatform, raw_id: str, author_id: int) -> dict[str, Any]:
    """Delete one's own status; answers it with its source ``text``, for redrafting."""
    async with rt.uow(write=True) as uow:
        status, _ = await visible_status(rt, uow, raw_id, author_id)
        if status.account_id != author_id:
            raise NotFound()
        view = await StatusViews.of(rt, uow, author_id).one(status)
        await remove(rt, uow, status)
        await uow.commit()
    log.info("status_deleted", status_id=status.id, account_id=author_id)
    assert view is not None
    return {**view, "text": status.text}


async def remove(rt: GraphPlatform, uow: UnitOfWork, status: Status) -> None:
    """Delete a status and everything hanging off it, keeping every counter exact: each
    counter moves only for a row this call really deleted. Feeds follow through the outbox."""
    repo = StatusRepository(uow)
    accounts = AccountRepository(uow)
    reblog_of, reblog_author = status.reblog_of_id, status.reblog_of_account_id
    author, status_id, parent = status.account_id, status.id, status.in_reply_to_id
    reblogs = await repo.reblogs_of(status_id) if reblog_of is None else []
    tags = [t.name for t in await repo.tags([status_id])] if reblog_of is None else []
    if not await repo.delete(status):
        return
    await accounts.bump(author, statuses_count=-1)
    forget_after_commit(uow, rt.entities, Kind.status, [status_id, *(r.id for r in reblogs)])
    forget_after_commit(uow, rt.entities, Kind.account, [author, *(r.account_id for r in reblogs)])
    # What the delete's streaming needs, known only now: the row is gone when the job runs.
    public = status.visibility == "public" and reblog_of is None
    record(
        rt,
        uow,
        "status.deleted",
        status_id,
        status_id=status_id,
        account_id=author,
        tags=tags,
        public=public,
    )
    for reblog in reblogs:
        if await repo.delete(reblog):
            await accounts.bump(reblog.account_id, statuses_count=-1)
            record(
                rt,
                uow,
                "status.deleted",
                reblog.id,
                status_id=reblog.id,
                account_id=reblog.account_id,
                tags=[],
            )
    removed = StatusRemoved(
        status_id,
        author,
        reblog_of,
        reblog_author,
        tuple((r.id, r.account_id) for r in reblogs),
        status.visibility,
        parent,
        status.in_reply_to_account_id,
        tuple(tags),
    )
    if reblog_of is not None:
        await repo.bump(reblog_of, reblogs_count=-1)
        await rt.events.emit(uow, removed)
        return
    if parent is not None:
        await repo.bump(parent, replies_count=-1)
    await repo.remove_marks_of_status(status_id)
    await media.detach(uow, status_id)
    await rt.events.emit(uow, removed)


async def context(rt: GraphPlatform, raw_id: str, viewer_id: int | None) -> dict[str, Any]:
    async with rt.uow() as uow:
        status, relations = await proper(rt, uow, raw_id, viewer_id)
        repo = StatusRepository(uow)
        ancestors: list[Status] = []
        cursor = status
        while cursor.in_reply_to_id is not None and len(ancestors) < MAX_ANCESTORS:
            parent = await repo.get(cursor.in_reply_to_id)
            if parent is None:
                break
            ancestors.append(parent)
            cursor = parent
        ancestors.reverse()
        descendants: list[Status] = []
        frontier = [status.id]
        while frontier and len(descendants) < MAX_DESCENDANTS:
            replies = sorted(await repo.replies_to(frontier), key=lambda s: s.id)
            descendants.extend(replies)
            frontier = [r.id for r in replies]
        audience = await Audience.load(uow, [*ancestors, *descendants], relations)
        views = StatusViews.of(rt, uow, viewer_id)

        def keep(s: Status) -> bool:
            return shown_in_timeline(s, None, relations, audience)

        return {
            "ancestors": await views.render([s for s in ancestors if keep(s)]),
            "descendants": await views.render(
                [s for s in _depth_first(status.id, descendants) if keep(s)]
            ),
        }


def _depth_first(root: int, replies: list[Status]) -> list[Status]:
    """Replies in reading order: each reply followed by its own replies (Mastodon's order)."""
    children: dict[int, list[Status]] = {}
    for reply in replies:
        children.setdefault(reply.in_reply_to_id or 0, []).append(reply)
    ordered: list[Status] = []
    stack = list(reversed(children.get(root, [])))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node.id, [])))
    return ordered
