"""The S3-compatible storage backend, against moto's in-process S3 (an edge faked in tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from chirp.config import Settings
from chirp.media.engine import MediaEngine
from chirp.media.s3 import S3Storage
from chirp.runtime import Runtime
from tests import media_files
from tests.api.test_media import uploaded
from tests.conftest import Api, user

BUCKET = "chirp-media"
PUBLIC = "https://media.example.net/chirp-media"


@pytest.fixture
def s3_settings(rt: Runtime) -> Iterator[Settings]:
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield rt.settings.model_copy(
            update={
                "media_storage": "s3",
                "s3_bucket": BUCKET,
                "s3_region": "us-east-1",
                "s3_public_url": PUBLIC,
            }
        )


@pytest.fixture
async def s3_media(
    rt: Runtime, s3_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MediaEngine]:
    engine = MediaEngine.build(s3_settings)
    monkeypatch.setitem(rt.__dict__, "media", engine)  # the runtime's media, for this test
    yield engine
    await engine.close()


async def test_put_age_and_delete(s3_settings: Settings, tmp_path: Path) -> None:
    storage = S3Storage(s3_settings)
    source = tmp_path / "x.png"
    source.write_bytes(media_files.png())
    key = "ab/cd/" + "ab" + "cd" + "0" * 60 + ".png"
    assert await storage.age(key) is None
    await storage.put(key, str(source), "image/png")
    assert not source.exists()  # consumed, like the local backend
    head = boto3.client("s3", region_name="us-east-1").head_object(Bucket=BUCKET, Key=key)
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    age = await storage.age(key)
    assert age is not None and age < 60
    assert storage.public_url(key) == f"{PUBLIC}/{key}"
    await storage.delete(key)
    assert await storage.age(key) is None


async def test_uploads_land_in_the_bucket_and_app_urls_redirect_there(
    api: Api, s3_media: MediaEngine
) -> None:
    ann = await user(api, "ann")
    media = await uploaded(api.client, ann, media_files.jpeg())
    key = media["url"].split("/media/", 1)[1]
    body = boto3.client("s3", region_name="us-east-1").get_object(Bucket=BUCKET, Key=key)["Body"]
    assert body.read()[:3] == b"\xff\xd8\xff"
    response = await api.client.get(media["url"])
    assert response.status_code == 301
    assert response.headers["location"] == f"{PUBLIC}/{key}"
    assert not media_files.files_under(s3_media.staging)  # nothing left behind locally
