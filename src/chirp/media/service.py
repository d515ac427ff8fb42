"""Media use cases: uploading, reading and describing one's media, and attaching it to
statuses (called by ``chirp.posts.service``)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import structlog

from chirp.core.errors import NotFound, Unprocessable
from chirp.core.ids import parse_id, shard_of
from chirp.core.params import parse
from chirp.db.uow import UnitOfWork
from chirp.media.engine import discard
from chirp.media.models import FAILED, PROCESSING, READY, MediaAttachment
from chirp.media.platform import MediaPlatform
from chirp.media.processing import Limits, MediaError, Processed
from chirp.media.repository import MediaRepository
from chirp.media.schemas import MediaDescribe, attachment_public, parse_focus
from chirp.media.uploads import Received, StagedFile

log = structlog.get_logger(__name__)
MAX_ATTACHMENTS = 4


async def upload(
    rt: MediaPlatform, account_id: int, received: Received, *, wait: float | None
) -> tuple[int, dict[str, Any]]:
    """Process an upload; (200, entity) when done within ``wait`` seconds (None: however
    long it takes), else (202, entity with ``url: null``) while it finishes in the
    background. A file we refuse is a 422 and leaves nothing behind."""
    try:
        describe = parse(MediaDescribe, dict(received.fields))
        staged = received.files.pop("file", None)
        if staged is None or staged.size == 0:
            if staged is not None:
                discard(staged.path)
            raise Unprocessable("Validation failed: File can't be blank")
    finally:
        received.discard()  # anything but the file (a thumbnail) is not used
    engine = rt.media
    try:
        work = engine.process(staged.path, engine.limits())
    except BaseException:
        discard(staged.path)
        raise
    try:
        done, _ = await asyncio.wait({work}, timeout=wait)
    except asyncio.CancelledError:  # the client went away: finish tidying up regardless
        engine.in_background(_drop_when_done(work, staged))
        raise
    media = _new_row(rt, account_id, describe)
    if work in done:
        try:
            processed = _result(work)
        finally:
            discard(staged.path)
        try:
            await engine.store(processed)
        finally:  # stored files were moved away; these are what a failure left
            discard(processed.original.path, processed.preview.path)
        _fill(media, processed)
        async with rt.uow(write=True) as uow:
            MediaRepository(uow).add(media)
            await uow.commit()
        log.info("media_uploaded", media_id=media.id, account_id=account_id)
        return 200, attachment_public(media, rt.settings.public_url)
    async with rt.uow(write=True) as uow:
        MediaRepository(uow).add(media)
        await uow.commit()
    engine.in_background(_finish_later(rt, media.id, work, staged))
    return 202, attachment_public(media, rt.settings.public_url)


def _new_row(rt: MediaPlatform, account_id: int, describe: MediaDescribe) -> MediaAttachment:
    x, y = parse_focus(describe.focus) if describe.focus else (0.0, 0.0)
    return MediaAttachment(
        id=rt.ids.next_id(shard_of(account_id)),
        account_id=account_id,
        status_id=None,
        position=0,
        type="image",
        state=PROCESSING,
        description=describe.description or "",
        focus_x=x,
        focus_y=y,
        created_at=rt.clock.now(),
    )


async def process_now(rt: MediaPlatform, source: Path, limits: Limits) -> Processed:
    """Process a staged file and wait for it; a refused file is a 422. ``source`` stays."""
    work = rt.media.process(source, limits)
    try:
        await asyncio.wait({work})
    except asyncio.CancelledError:
        rt.media.in_background(_drop_when_done(work, None))
        raise
    return _result(work)


def _result(work: asyncio.Future[Processed]) -> Processed:
    try:
        return work.result()
    except MediaError as exc:
        raise Unprocessable(exc.message) from None


def _fill(media: MediaAttachment, processed: Processed) -> None:
    original, preview = processed.original, processed.preview
    media.state = READY
    media.file_key, media.preview_key = original.key, preview.key
    media.blurhash = processed.blurhash
    media.meta = {
        "original": {"width": original.width, "height": original.height},
        "small": {"width": preview.width, "height": preview.height},
    }


async def _finish_later(
    rt: MediaPlatform, media_id: int, work: asyncio.Future[Processed], staged: StagedFile
) -> None:
    processed: Processed | None = None
    try:
        processed = await work
        await rt.media.store(processed)
    except MediaError as exc:
        log.info("media_refused", media_id=media_id, reason=exc.message)
    except Exception:
        log.exception("media_processing_failed", media_id=media_id)
    finally:
        discard(staged.path)
        if processed is not None:
            discard(processed.original.path, processed.preview.path)
    async with rt.uow(write=True) as uow:
        media = await MediaRepository(uow).get(media_id)
        if media is None:
            return  # removed meanwhile; the orphan check of the cleanup takes the files
        if processed is None:
            media.state = FAILED
        else:
            _fill(media, processed)
        await uow.commit()
    log.info("media_processed", media_id=media_id, state=media.state)


async def _drop_when_done(work: asyncio.Future[Processed], staged: StagedFile | None) -> None:
    try:
        processed = await work
        discard(processed.original.path, processed.preview.path)
    except Exception:  # noqa: S110 - nothing was written, so there is nothing to remove
        pass
    finally:
        if staged is not None:
            discard(staged.path)


async def _own(uow: UnitOfWork, account_id: int, raw_id: str) -> MediaAttachment:
    media_id = parse_id(raw_id)
    media = await MediaRepository(uow).fresh(media_id) if media_id else None
    if media is None or media.account_id != account_id:
        raise NotFound()
    return media


async def show(rt: MediaPlatform, account_id: int, raw_id: str) -> tuple[int, dict[str, Any]]:
    """One's own media: 206 while processing, 200 when ready, 422 when it failed."""
    async with rt.uow() as uow:
        media = await _own(uow, account_id, raw_id)
    if media.state == FAILED:
        raise Unprocessable("Error processing the uploaded file: it is not a readable image")
    code = 206 if media.state == PROCESSING else 200
    return code, attachment_public(media, rt.settings.public_url)


async def describe(
    rt: MediaPlatform, account_id: int, raw_id: str, change: MediaDescribe
) -> dict[str, Any]:
    """Change the description or focus of one's media, while it is not attached (Mastodon)."""
    async with rt.uow(write=True) as uow:
        media = await _own(uow, account_id, raw_id)
        if media.status_id is not None:
            raise NotFound()
        if change.description is not None:
            media.description = change.description
        if change.focus:
            media.focus_x, media.focus_y = parse_focus(change.focus)
        await uow.commit()
    return attachment_public(media, rt.settings.public_url)


async def attach(uow: UnitOfWork, account_id: int, status_id: int, raw_ids: Sequence[str]) -> None:
    """Attach the author's uploads to a status in the order given, replacing what it had
    (an edit). Unknown ids, someone else's or another status's media and uploads still
    processing are a 422, as on Mastodon."""
    wanted = list(dict.fromkeys(parse_id(r) or 0 for r in raw_ids))
    if len(wanted) > MAX_ATTACHMENTS:
        raise Unprocessable(f"Validation failed: at most {MAX_ATTACHMENTS} media attachments")
    repo = MediaRepository(uow)
    found = {
        m.id: m for m in await repo.owned(account_id, wanted) if m.status_id in (None, status_id)
    }
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise Unprocessable(f"Validation failed: media attachments not found: {', '.join(missing)}")
    if any(m.state != READY for m in found.values()):
        raise Unprocessable(
            "Cannot attach files that have not finished processing. Try again in a moment!"
        )
    await repo.detach(status_id, keep=wanted)
    if await repo.attach(status_id, account_id, wanted) != len(wanted):
        # Another post took one of them between the read and the update.
        raise Unprocessable("Validation failed: a media attachment is already attached")


async def detach(uow: UnitOfWork, status_id: int) -> None:
    """A deleted status's media go back to its author, to redraft with (as on Mastodon)."""
    await MediaRepository(uow).detach(status_id)
