"""Deleting an account and everything of it, on every shard and in Redis, through a job.

Asking for a deletion suspends the account (if it is not already) in the same transaction
as the job that deletes it, so from that commit on nobody sees its posts, its tokens are
refused and its streams close, however long the deletion then takes. The job works in
bounded batches, each its own transaction, through the same use cases as a person undoing
things by hand, so every counter, feed, notification and cached copy follows:

1. its statuses and reblogs (``posts.service.remove``: reblogs of them by others, marks on
   them, notifications about them, feeds, counters);
2. its favourites (with the statuses' counters);
3. every edge to or from it (``graph.service.sever``: follows with their counters and the
   followers' feeds, follow requests, blocks, mutes);
4. mentions of it in others' statuses, its media (and the stored files), then its bookmarks,
   pins, tag follows, the reports it filed, its notifications and those it caused;
5. last its tokens, credential, email claim and account row, in one transaction.

Each step is a no-op for what is already gone, so a job that runs twice (delivery is at
least once) or stops half-way is simply run again. A job hands on to a fresh one after
``BUDGET`` seconds, well inside a job's lease. What stays: the audit log's entries and the
reports others filed about the account (the moderators' record), and others' replies to
its statuses (theirs, as in Mastodon).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from chirp.core.entities import Kind, forget_after_commit
from chirp.core.errors import Forbidden
from chirp.graph.cache import forget_edges_after_commit
from chirp.graph.service import follows_changed, sever
from chirp.jobs.outbox import record
from chirp.media.cleanup import release
from chirp.moderation import schemas
from chirp.moderation.leftovers import Leftovers
from chirp.moderation.platform import ModerationPlatform
from chirp.moderation.service import NOT_ALLOWED, Actor, audit, may_act_on, target_of
from chirp.posts.events import StatusUnfavourited
from chirp.posts.models import Favourite
from chirp.posts.repository import StatusRepository
from chirp.posts.service import remove

log = structlog.get_logger(__name__)
KIND = "account.deleted"
BATCH = 100
BUDGET = 20.0  # seconds a job works before handing on (a job's lease is 60 s)


async def schedule(
    rt: ModerationPlatform, actor: Actor, raw_id: str, *, suspended_first: bool
) -> dict[str, Any]:
    """Suspend the account if need be, and record the job that deletes it. With
    ``suspended_first`` (the admin API, as Mastodon) only an account already suspended
    may be deleted."""
    async with rt.uow(write=True) as uow:
        account, credential = await target_of(uow, raw_id)
        may_act_on(actor, account, credential)
        if account.suspended_at is None:
            if suspended_first:
                raise Forbidden(NOT_ALLOWED)
            account.suspended_at = rt.clock.now()
        audit(rt, uow, actor, "delete_account", ("account", account.id))
        record(rt, uow, KIND, account.id, account_id=account.id)
        await uow.commit()
    await rt.standing.changed(rt.uow)
    return schemas.admin_account(account, credential, rt.settings.public_url)


async def run(rt: ModerationPlatform, payload: dict[str, Any]) -> None:
    """The job: delete for ``BUDGET`` seconds, then hand on, until nothing is left."""
    account_id = int(payload["account_id"])
    if await delete_for(rt, account_id, BUDGET):
        return
    async with rt.uow(write=True) as uow:
        record(rt, uow, KIND, account_id, account_id=account_id)
        await uow.commit()


async def delete_for(rt: ModerationPlatform, account_id: int, seconds: float) -> bool:
    """Delete batches for up to ``seconds``; whether the account is gone now."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not await _one_batch(rt, account_id):
            await _finish(rt, account_id)
            return True
    return False


Step = Callable[[ModerationPlatform, Leftovers], Awaitable[bool]]


async def _one_batch(rt: ModerationPlatform, account_id: int) -> bool:
    """The first step that finds something left does a batch of it; False: none did."""
    for step in STEPS:
        async with rt.uow(write=True) as uow:
            did = await step(rt, Leftovers(uow, account_id))
            await uow.commit()
        if did:
            return True
    return False


async def _statuses(rt: ModerationPlatform, left: Leftovers) -> bool:
    statuses = await left.statuses(BATCH)
    for status in statuses:
        await remove(rt, left.uow, status)
    return bool(statuses)


async def _favourites(rt: ModerationPlatform, left: Leftovers) -> bool:
    marks = await left.favourites(BATCH)
    repo = StatusRepository(left.uow)
    favourited = await repo.get_many(m.status_id for m in marks)
    for mark in marks:
        if not await repo.remove_mark(Favourite, left.account_id, mark.status_id):
            continue
        status = favourited.get(mark.status_id)
        if status is not None:
            await repo.bump(status.id, favourites_count=-1)
            forget_after_commit(left.uow, rt.entities, Kind.status, [status.id])
            unfavourited = StatusUnfavourited(status.id, status.account_id, left.account_id)
            await rt.events.emit(left.uow, unfavourited)
    return bool(marks)


async def _edges(rt: ModerationPlatform, left: Leftovers) -> bool:
    others = await left.others(BATCH)
    for other in others:
        await sever(rt, left.uow, left.account_id, other)
    return bool(others)


async def _mentions(rt: ModerationPlatform, left: Leftovers) -> bool:
    mentioning = await left.mentioning(BATCH)
    if mentioning:
        await left.forget_mentions(mentioning)
        forget_after_commit(left.uow, rt.entities, Kind.status, mentioning)
    return bool(mentioning)


async def _media(rt: ModerationPlatform, left: Leftovers) -> bool:
    media = await left.media(BATCH)
    if media:
        await left.remove_media([m.id for m in media])
        keys = [k for m in media for k in (m.file_key, m.preview_key) if k]
        left.uow.after_commit(lambda: release(rt, keys, grace=0))
    return bool(media)


async def _owned(rt: ModerationPlatform, left: Leftovers) -> bool:
    removed = await left.remove_owned()
    await left.remove_caused()
    return removed > 0


async def _claims(rt: ModerationPlatform, left: Leftovers) -> bool:
    """Its email claim, on the email's shard: before the account row, so a failed commit of
    the last step cannot leave an email nobody can sign up with again."""
    return await left.remove_claims() > 0


STEPS: tuple[Step, ...] = (_statuses, _favourites, _edges, _mentions, _media, _owned, _claims)


async def _finish(rt: ModerationPlatform, account_id: int) -> None:
    """The account's last rows, in one transaction; then its keys everywhere."""
    async with rt.uow(write=True) as uow:
        left = Leftovers(uow, account_id)
        tokens = await left.tokens()
        account = await left.remove_account()
        if account is None:
            return  # gone already (a job run twice)
        follows_changed(rt, uow, account_id)  # its home feeds go
        forget_edges_after_commit(uow, rt.relations, account_id, account_id)
        forget_after_commit(uow, rt.entities, Kind.account, [account_id])
        await uow.commit()
    # Its tokens first: once it leaves the suspended set nothing else refuses a cached one.
    for token in tokens:
        await rt.tokens.revoked(token.digest)
    await rt.standing.changed(rt.uow)  # out of the suspended set: nothing of it is left
    images = [k for k in (account.avatar_file, account.header_file) if k]
    try:
        await release(rt, images, grace=0)
    except Exception:  # the files stay; the account is gone all the same
        log.warning("account_images_not_released", account_id=account_id, exc_info=True)
    log.info("account_deleted", account_id=account_id, username=account.username)
