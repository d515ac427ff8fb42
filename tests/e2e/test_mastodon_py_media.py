"""Mastodon.py against a running `chirp serve`: uploading media, posting it, seeing it in a
follower's home timeline, changing an avatar, and searching."""

from __future__ import annotations

import io
import uuid

import httpx
import pytest
from mastodon import Mastodon
from PIL import Image

from tests import media_files
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def _person(server: str, client: tuple[str, str], name: str) -> Mastodon:
    api = Mastodon(client_id=client[0], client_secret=client[1], api_base_url=server)
    assert api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True)
    return api


def test_media_post_status_home_timeline_avatar_and_search(server: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    client = Mastodon.create_app("Chirp media e2e", api_base_url=server)
    ann = _person(server, client, f"ann_{suffix}")
    ben = _person(server, client, f"ben_{suffix}")
    ann_me = ann.account_verify_credentials()
    ben.account_follow(ann_me.id)

    media = ann.media_post(
        media_files.jpeg(1024, 768, gps=True),
        mime_type="image/jpeg",
        description="A striped wall",
        focus=(0.1, -0.2),
    )
    assert media.url and media.preview_url  # processed within the request: 200, not 202
    tag = f"stripes{suffix}"
    status = ann.status_post(f"Look at this wall #{tag} kumquat{suffix}", media_ids=[media])
    assert [m.id for m in status.media_attachments] == [media.id]

    home = ben.timeline_home()
    shown = next(s for s in home if s.id == status.id)
    attachment = shown.media_attachments[0]
    assert attachment.description == "A striped wall"
    assert attachment.meta.original.width == 1024
    assert (attachment.meta.focus.x, attachment.meta.focus.y) == (0.1, -0.2)
    preview = httpx.get(attachment.preview_url)
    assert preview.status_code == 200
    assert preview.headers["cache-control"] == "public, max-age=31536000, immutable"
    small = Image.open(io.BytesIO(preview.content))
    assert small.size == (attachment.meta.small.width, attachment.meta.small.height)
    assert not small.getexif()

    updated = ann.account_update_credentials(
        avatar=media_files.png(600, 600, "RGB"), avatar_mime_type="image/png"
    )
    assert "/media/" in updated.avatar
    assert httpx.get(updated.avatar).status_code == 200

    found = ben.search_v2(f"ann_{suffix}")
    assert [a.id for a in found.accounts] == [ann_me.id]
    assert ben.search_v2(f"#{tag}").hashtags[0].name == tag
    posts = ben.search_v2(f"kumquat{suffix}", result_type="statuses").statuses
    assert [s.id for s in posts] == [status.id]
    assert posts[0].media_attachments[0].id == media.id
