"""Uploading, describing and attaching media over HTTP, hostile files included."""

from __future__ import annotations

import asyncio
import io
import time
from typing import Any

import httpx
import pytest
from PIL import Image

from chirp.runtime import Runtime
from tests import media_files
from tests.api.test_entities import MEDIA_ATTACHMENT, STATUS, assert_valid
from tests.conftest import Api, User, post, user

VERSION = (4, 3, 0)


def _disk(rt: Runtime) -> set[Any]:
    return media_files.files_under(rt.settings.data_dir / "media", rt.media.staging)


async def upload(
    client: httpx.AsyncClient,
    who: User,
    data: bytes,
    *,
    name: str = "photo.jpg",
    mime: str = "image/jpeg",
    path: str = "/api/v2/media",
    **fields: str,
) -> httpx.Response:
    return await client.post(
        path, headers=who.auth, files={"file": (name, data, mime)}, data=fields
    )


async def uploaded(
    client: httpx.AsyncClient, who: User, data: bytes, **fields: str
) -> dict[str, Any]:
    response = await upload(client, who, data, **fields)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_an_upload_is_processed_into_an_image_and_a_preview(api: Api) -> None:
    ann = await user(api, "ann")
    media = await uploaded(
        api.client, ann, media_files.jpeg(1600, 1200), description="A red wall", focus="0.5,-0.25"
    )
    assert_valid(media, MEDIA_ATTACHMENT, VERSION)
    assert media["type"] == "image"
    assert media["description"] == "A red wall"
    assert media["meta"]["original"] == {
        "width": 1600,
        "height": 1200,
        "size": "1600x1200",
        "aspect": 1600 / 1200,
    }
    small = media["meta"]["small"]
    assert small["width"] * small["height"] <= 230_400 and small["aspect"] == pytest.approx(
        4 / 3, 0.01
    )
    assert media["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert media["blurhash"] and len(media["blurhash"]) > 6
    for url in (media["url"], media["preview_url"]):
        response = await api.client.get(url)
        assert response.status_code == 200
        assert Image.open(io.BytesIO(response.content)).format == "JPEG"


async def test_v1_upload_answers_when_done(api: Api) -> None:
    ann = await user(api, "ann")
    response = await upload(
        api.client, ann, media_files.png(), path="/api/v1/media", name="x.png", mime="image/png"
    )
    assert response.status_code == 200, response.text
    assert response.json()["url"].endswith(".png")


async def test_large_images_are_scaled_down_to_the_configured_maximum(
    api: Api, rt: Runtime
) -> None:
    ann = await user(api, "ann")
    media = await uploaded(api.client, ann, media_files.jpeg(4000, 3000))
    original = media["meta"]["original"]
    assert original["width"] * original["height"] <= rt.settings.media_resize_pixels
    assert original["width"] / original["height"] == pytest.approx(4 / 3, 0.01)


async def test_gps_and_other_exif_never_reach_the_stored_files(api: Api) -> None:
    ann = await user(api, "ann")
    data = media_files.jpeg(gps=True)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(media_files.GPS_IFD)  # it is there
    media = await uploaded(api.client, ann, data)
    for url in (media["url"], media["preview_url"]):
        stored = (await api.client.get(url)).content
        image = Image.open(io.BytesIO(stored))
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info and "icc_profile" not in image.info
        assert b"ChirpCam" not in stored and b"Exif" not in stored


@pytest.mark.parametrize(
    ("body", "name", "mime"),
    [
        (media_files.SVG, "cat.png", "image/png"),
        (media_files.HTML, "cat.png", "image/png"),
        (b"GIF89a" + b"\x00" * 10, "cat.gif", "image/gif"),  # the magic, then nothing
        (media_files.encoded("BMP"), "cat.bmp", "image/bmp"),
        (media_files.encoded("TIFF"), "cat.jpg", "image/jpeg"),
    ],
    ids=["svg-as-png", "html-as-png", "gif-magic-only", "bmp", "tiff-as-jpeg"],
)
async def test_files_that_are_not_supported_images_are_refused(
    api: Api, rt: Runtime, body: bytes, name: str, mime: str
) -> None:
    ann = await user(api, "ann")
    before = _disk(rt)
    response = await upload(api.client, ann, body, name=name, mime=mime)
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith("Validation failed")
    assert _disk(rt) == before


async def test_a_decompression_bomb_is_refused_from_its_header(api: Api, rt: Runtime) -> None:
    ann = await user(api, "ann")
    await uploaded(api.client, ann, media_files.png())  # the worker processes are up
    before = _disk(rt)
    started = time.perf_counter()
    response = await upload(
        api.client,
        ann,
        media_files.png_header_only(50_000, 50_000),
        name="bomb.png",
        mime="image/png",
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    assert "pixels" in response.json()["error"]
    assert elapsed < 1.0, elapsed
    assert _disk(rt) == before


async def test_a_truncated_jpeg_is_refused(api: Api, rt: Runtime) -> None:
    ann = await user(api, "ann")
    data = media_files.jpeg(640, 480)
    before = _disk(rt)
    response = await upload(api.client, ann, data[: len(data) // 2])
    assert response.status_code == 422
    assert "not a readable image" in response.json()["error"]
    assert _disk(rt) == before


async def test_a_body_over_the_limit_is_413_and_a_file_over_it_422(api: Api, rt: Runtime) -> None:
    ann = await user(api, "ann")
    before = _disk(rt)
    limit = rt.settings.media_max_bytes
    big = await upload(api.client, ann, b"\xff\xd8\xff" + b"\x00" * (17 * 1024 * 1024))
    assert big.status_code == 413
    assert "error" in big.json()
    # Just over the file limit, inside the body's room for text fields: the file is refused.
    over = await upload(api.client, ann, b"\xff\xd8\xff" + b"\x00" * (limit - 2))
    assert over.status_code == 422
    assert "larger than" in over.json()["error"]
    assert _disk(rt) == before


async def test_a_body_without_length_is_cut_off_at_the_limit(api: Api, rt: Runtime) -> None:
    ann = await user(api, "ann")
    before = _disk(rt)
    boundary = "chirpboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    sent = 0

    async def chunks() -> Any:  # streams with no Content-Length: the server must count
        nonlocal sent
        yield head
        for _ in range(40):  # 40 MiB if nobody stopped it
            sent += 1
            yield b"\x00" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await api.client.post(
        "/api/v2/media",
        headers={**ann.auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=chunks(),
    )
    assert response.status_code in (413, 422)
    assert sent <= 18
    assert _disk(rt) == before


async def test_stored_files_are_served_like_a_cdn_origin(api: Api) -> None:
    ann = await user(api, "ann")
    media = await uploaded(api.client, ann, media_files.jpeg())
    response = await api.client.get(media["url"])
    headers = response.headers
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "default-src 'none'"
    assert headers["content-type"] == "image/jpeg"
    digest = media["url"].rsplit("/", 1)[1].split(".")[0]
    assert headers["etag"] == f'"{digest}"'
    assert headers["accept-ranges"] == "bytes"

    ranged = await api.client.get(media["url"], headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206
    assert ranged.content == response.content[:10]
    assert ranged.headers["content-range"] == f"bytes 0-9/{len(response.content)}"
    tail = await api.client.get(media["url"], headers={"Range": "bytes=-4"})
    assert tail.status_code == 206 and tail.content == response.content[-4:]

    cached = await api.client.get(media["url"], headers={"If-None-Match": headers["etag"]})
    assert cached.status_code == 304 and cached.content == b""
    head = await api.client.head(media["url"])
    assert head.status_code == 200 and head.headers["etag"] == headers["etag"]


@pytest.mark.parametrize(
    "path",
    [
        "/media/../chirp.sqlite3",
        "/media/ab/cd/nothing.jpg",
        "/media/" + "0" * 2 + "/00/" + "0" * 64 + ".jpg",
    ],
)
async def test_unknown_media_paths_are_404(api: Api, path: str) -> None:
    response = await api.client.get(path)
    assert response.status_code == 404


async def test_the_same_image_uploaded_twice_is_stored_once(api: Api, rt: Runtime) -> None:
    ann, ben = await user(api, "ann"), await user(api, "ben")
    data = media_files.jpeg(700, 500, (1, 120, 250))
    first = await uploaded(api.client, ann, data)
    before = _disk(rt)
    second = await uploaded(api.client, ben, data)
    assert first["id"] != second["id"]
    assert (first["url"], first["preview_url"]) == (second["url"], second["preview_url"])
    assert _disk(rt) == before


async def test_description_and_focus_can_be_changed_until_attached(api: Api) -> None:
    ann, ben = await user(api, "ann"), await user(api, "ben")
    media = await uploaded(api.client, ann, media_files.jpeg())
    path = f"/api/v1/media/{media['id']}"
    changed = await api.client.put(
        path, headers=ann.auth, json={"description": "é" * 1500, "focus": "-1,1"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["description"] == "é" * 1500
    assert changed.json()["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    assert (await api.client.get(path, headers=ann.auth)).json()["description"] == "é" * 1500
    too_long = await api.client.put(path, headers=ann.auth, json={"description": "x" * 1501})
    assert too_long.status_code == 422
    for focus in ("2,0", "a,b", "0.5"):
        bad = await api.client.put(path, headers=ann.auth, json={"focus": focus})
        assert bad.status_code == 422, focus
    assert (await api.client.get(path, headers=ben.auth)).status_code == 404
    assert (
        await api.client.put(path, headers=ben.auth, json={"description": "x"})
    ).status_code == 404
    await post(api, ann, "with media", **{"media_ids[]": media["id"]})
    assert (
        await api.client.put(path, headers=ann.auth, json={"description": "late"})
    ).status_code == 404


async def test_v2_answers_202_while_processing_and_the_media_becomes_ready(
    api: Api, rt: Runtime
) -> None:
    ann = await user(api, "ann")
    settings = rt.settings
    rt.settings = settings.model_copy(update={"media_sync_wait": 0.0})
    try:
        response = await upload(api.client, ann, media_files.jpeg(1200, 900))
    finally:
        rt.settings = settings
    assert response.status_code == 202, response.text
    media = response.json()
    assert media["url"] is None and media["preview_url"] is None
    path = f"/api/v1/media/{media['id']}"
    refused = await api.client.post(
        "/api/v1/statuses", headers=ann.auth, data={"status": "x", "media_ids[]": media["id"]}
    )
    seen = await api.client.get(path, headers=ann.auth)
    if seen.status_code == 206:  # still processing when the status was posted
        assert refused.status_code == 422
        assert "not finished processing" in refused.json()["error"]
    for _ in range(200):
        seen = await api.client.get(path, headers=ann.auth)
        if seen.status_code == 200:
            break
        assert seen.status_code == 206 and seen.json()["url"] is None
        await asyncio.sleep(0.05)
    assert seen.status_code == 200
    assert seen.json()["url"] and seen.json()["meta"]["original"]["width"] == 1200


async def test_statuses_carry_their_media_in_order_everywhere(api: Api) -> None:
    ann, ben = await user(api, "ann"), await user(api, "ben")
    await api.client.post(f"/api/v1/accounts/{ann.id}/follow", headers=ben.auth)
    ids = [
        (await uploaded(api.client, ann, media_files.jpeg(300 + n, 200)))["id"] for n in range(4)
    ]
    response = await api.client.post(
        "/api/v1/statuses", headers=ann.auth, json={"status": "", "media_ids": ids[::-1]}
    )
    assert response.status_code == 200, response.text
    status = response.json()
    assert [m["id"] for m in status["media_attachments"]] == ids[::-1]
    assert_valid(status, STATUS, VERSION)
    reblog = await api.client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=ben.auth)
    for path, who in (
        (f"/api/v1/statuses/{status['id']}", ben),
        ("/api/v1/timelines/home", ben),
        ("/api/v1/timelines/public", ben),
        (f"/api/v1/accounts/{ann.id}/statuses", ben),
    ):
        shown = (await api.client.get(path, headers=who.auth)).json()
        first = shown[-1] if isinstance(shown, list) else shown
        assert [m["id"] for m in first["media_attachments"]] == ids[::-1], path
    assert [m["id"] for m in reblog.json()["reblog"]["media_attachments"]] == ids[::-1]


async def test_attaching_refuses_what_cannot_be_attached(api: Api) -> None:
    ann, ben = await user(api, "ann"), await user(api, "ben")
    mine = [
        (await uploaded(api.client, ann, media_files.jpeg(200 + n, 100)))["id"] for n in range(5)
    ]
    theirs = (await uploaded(api.client, ben, media_files.jpeg()))["id"]

    async def attempt(ids: list[str], status: str = "x") -> httpx.Response:
        return await api.client.post(
            "/api/v1/statuses", headers=ann.auth, json={"status": status, "media_ids": ids}
        )

    assert (await attempt(mine)).status_code == 422  # five
    assert (await attempt([theirs])).status_code == 422
    assert (await attempt(["12345"])).status_code == 422
    assert (await attempt(["not-an-id"])).status_code == 422
    assert (await attempt([mine[0]])).status_code == 200
    taken = await attempt([mine[0]])
    assert taken.status_code == 422 and "not found" in taken.json()["error"]
    blank = await api.client.post("/api/v1/statuses", headers=ann.auth, json={"status": ""})
    assert blank.status_code == 422


async def test_a_deleted_status_gives_its_media_back_for_a_redraft(api: Api) -> None:
    ann = await user(api, "ann")
    media = (await uploaded(api.client, ann, media_files.jpeg()))["id"]
    first = await post(api, ann, "first", **{"media_ids[]": media})
    deleted = await api.client.delete(f"/api/v1/statuses/{first}", headers=ann.auth)
    assert [m["id"] for m in deleted.json()["media_attachments"]] == [media]
    again = await api.client.post(
        "/api/v1/statuses", headers=ann.auth, json={"status": "redraft", "media_ids": [media]}
    )
    assert [m["id"] for m in again.json()["media_attachments"]] == [media]


async def test_an_edit_replaces_the_media(api: Api) -> None:
    ann = await user(api, "ann")
    one, two = [
        (await uploaded(api.client, ann, media_files.jpeg(300 + n, 200)))["id"] for n in range(2)
    ]
    status = await post(api, ann, "v1", **{"media_ids[]": one})
    edited = await api.client.put(
        f"/api/v1/statuses/{status}",
        headers=ann.auth,
        json={"status": "v2", "media_ids": [two, one]},
    )
    assert edited.status_code == 200, edited.text
    assert [m["id"] for m in edited.json()["media_attachments"]] == [two, one]
    dropped = await api.client.put(
        f"/api/v1/statuses/{status}", headers=ann.auth, json={"status": "v3", "media_ids": [two]}
    )
    assert [m["id"] for m in dropped.json()["media_attachments"]] == [two]
    # the dropped one is free again
    assert (
        await api.client.put(f"/api/v1/media/{one}", headers=ann.auth, json={"description": "free"})
    ).status_code == 200


async def test_avatar_and_header_are_cropped_and_served(api: Api) -> None:
    ann = await user(api, "ann")
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=ann.auth,
        files={
            "avatar": ("me.jpg", media_files.jpeg(900, 600, gps=True), "image/jpeg"),
            "header": ("wide.png", media_files.png(3000, 600, "RGB"), "image/png"),
        },
        data={"display_name": "Ann", "source[privacy]": "unlisted"},
    )
    assert response.status_code == 200, response.text
    account = response.json()
    assert account["display_name"] == "Ann" and account["source"]["privacy"] == "unlisted"
    for field, size in (("avatar", (400, 400)), ("header", (1500, 500))):
        served = await api.client.get(account[field])
        assert served.status_code == 200, field
        assert Image.open(io.BytesIO(served.content)).size == size
        assert account[f"{field}_static"] == account[field]
    assert b"ChirpCam" not in (await api.client.get(account["avatar"])).content
    public = (await api.client.get(f"/api/v1/accounts/{ann.id}")).json()
    assert public["avatar"] == account["avatar"]


async def test_a_bad_avatar_changes_nothing(api: Api, rt: Runtime) -> None:
    ann = await user(api, "ann")
    before = _disk(rt)
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=ann.auth,
        files={"avatar": ("me.png", media_files.SVG, "image/png")},
        data={"display_name": "Changed"},
    )
    assert response.status_code == 422
    me = (await api.client.get("/api/v1/accounts/verify_credentials", headers=ann.auth)).json()
    assert me["display_name"] != "Changed" and me["avatar"].endswith("missing.png")
    assert _disk(rt) == before


async def test_only_media_keeps_just_the_statuses_with_attachments(api: Api) -> None:
    ann, ben = await user(api, "ann"), await user(api, "ben")
    picture = (await uploaded(api.client, ann, media_files.jpeg(120, 80)))["id"]
    illustrated = await api.client.post(
        "/api/v1/statuses", headers=ann.auth, json={"status": "look #cats", "media_ids": [picture]}
    )
    assert illustrated.status_code == 200, illustrated.text
    plain = await post(api, ann, "just words #cats")
    await api.client.post(f"/api/v1/statuses/{illustrated.json()['id']}/reblog", headers=ben.auth)
    wanted = [illustrated.json()["id"]]
    for path in (
        f"/api/v1/accounts/{ann.id}/statuses",
        "/api/v1/timelines/public",
        "/api/v1/timelines/tag/cats",
    ):
        every = (await api.client.get(path, headers=ben.auth)).json()
        assert plain in [s["id"] for s in every], path
        only = await api.client.get(path, params={"only_media": "true"}, headers=ben.auth)
        assert only.status_code == 200, only.text
        assert [s["id"] for s in only.json()] == wanted, path
    # A reblog carries no media of its own: ben's media tab is empty.
    mine = await api.client.get(
        f"/api/v1/accounts/{ben.id}/statuses", params={"only_media": "1"}, headers=ben.auth
    )
    assert mine.json() == []
