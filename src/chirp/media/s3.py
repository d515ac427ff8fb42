"""The S3-compatible storage backend (AWS S3, MinIO, Garage, Cloudflare R2, ...).

boto3 is synchronous; each call runs in a thread. Credentials come from boto3's usual sources
(``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, a profile, an instance role), never from
Chirp's settings. Objects are written with the same immutable cache headers the app serves.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from chirp.config import Settings
from chirp.media.serving import CACHE_FOREVER


class S3Storage:
    def __init__(self, settings: Settings) -> None:
        assert settings.s3_bucket and settings.s3_public_url
        self.bucket = settings.s3_bucket
        self.base = settings.s3_public_url.rstrip("/")
        self.client: Any = boto3.client(
            "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region
        )

    def local_path(self, key: str) -> Path | None:
        return None

    def public_url(self, key: str) -> str:
        return f"{self.base}/{key}"

    async def put(self, key: str, source: str, content_type: str) -> None:
        def upload() -> None:
            # Uploading again when it exists is how its age is refreshed (see Storage.put).
            self.client.upload_file(
                source,
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type, "CacheControl": CACHE_FOREVER},
            )
            os.unlink(source)

        await asyncio.to_thread(upload)

    async def age(self, key: str) -> float | None:
        try:
            head = await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        modified: datetime = head["LastModified"]
        return time.time() - modified.timestamp()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)
