"""Unattached uploads go after CHIRP_MEDIA_UNATTACHED_HOURS; files go when nothing uses them."""

from __future__ import annotations

import os
import time

from chirp.media.cleanup import remove_unattached
from chirp.runtime import Runtime
from tests import media_files
from tests.api.test_media import uploaded
from tests.conftest import Api, FakeClock, post, user


def _age_files(rt: Runtime, seconds: float) -> None:
    """Make every stored file look as old as ``seconds`` (the sweep spares recent ones)."""
    past = time.time() - seconds
    for path in media_files.files_under(rt.settings.data_dir / "media"):
        os.utime(path, (past, past))


def _stored(rt: Runtime, url: str) -> bool:
    return (rt.settings.data_dir / "media" / url.split("/media/", 1)[1]).exists()


async def test_uploads_left_unattached_for_a_day_are_removed(
    api: Api, rt: Runtime, clock: FakeClock
) -> None:
    ann = await user(api, "ann")
    kept = await uploaded(api.client, ann, media_files.jpeg(300, 200))
    used = await uploaded(api.client, ann, media_files.jpeg(301, 200))
    await post(api, ann, "attached", **{"media_ids[]": used["id"]})
    clock.advance(hours=23)
    fresh = await uploaded(api.client, ann, media_files.jpeg(302, 200))
    clock.advance(hours=2)
    _age_files(rt, 7200)

    assert await remove_unattached(rt) == 1
    assert (
        await api.client.get(f"/api/v1/media/{kept['id']}", headers=ann.auth)
    ).status_code == 404
    assert not _stored(rt, kept["url"]) and not _stored(rt, kept["preview_url"])
    for survivor in (used, fresh):
        assert (
            await api.client.get(f"/api/v1/media/{survivor['id']}", headers=ann.auth)
        ).status_code == 200
        assert _stored(rt, survivor["url"])
    assert await remove_unattached(rt) == 0  # idempotent


async def test_a_file_another_upload_shares_is_kept(
    api: Api, rt: Runtime, clock: FakeClock
) -> None:
    ann, ben = await user(api, "ann"), await user(api, "ben")
    data = media_files.jpeg(320, 240)
    old = await uploaded(api.client, ann, data)
    clock.advance(hours=20)
    shared = await uploaded(api.client, ben, data)
    clock.advance(hours=5)
    _age_files(rt, 7200)
    assert await remove_unattached(rt) == 1
    assert old["url"] == shared["url"] and _stored(rt, shared["url"])


async def test_a_recently_stored_file_is_spared_even_when_unused(
    api: Api, rt: Runtime, clock: FakeClock
) -> None:
    ann = await user(api, "ann")
    media = await uploaded(api.client, ann, media_files.jpeg(330, 240))
    clock.advance(hours=25)
    assert await remove_unattached(rt) == 1  # the row goes, the file was stored just now
    assert _stored(rt, media["url"])


async def test_a_replaced_avatar_file_is_released(api: Api, rt: Runtime) -> None:
    ann = await user(api, "ann")

    async def set_avatar(data: bytes) -> str:
        response = await api.client.patch(
            "/api/v1/accounts/update_credentials",
            headers=ann.auth,
            files={"avatar": ("a.jpg", data, "image/jpeg")},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["avatar"])

    first = await set_avatar(media_files.jpeg(500, 500, (255, 0, 0)))
    _age_files(rt, 7200)
    second = await set_avatar(media_files.jpeg(500, 500, (0, 0, 255)))
    assert first != second
    assert not _stored(rt, first) and _stored(rt, second)
