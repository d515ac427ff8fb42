"""The instance entities, read the way Mastodon.py reads them."""

from __future__ import annotations

import httpx
import pytest
from mastodon.versions import parse_version_string

from tests.conftest import Api


def mastodon_py_version(version: str) -> tuple[int, int, int]:
    """Mastodon.py's own reading of a version string (its private __normalize_version_string)."""
    from mastodon import Mastodon

    reader = Mastodon(api_base_url="http://unused.example")
    normalized = reader._Mastodon__normalize_version_string(version)  # type: ignore[attr-defined]
    return tuple(parse_version_string(normalized))  # type: ignore[return-value]


@pytest.mark.parametrize("path", ["/api/v1/instance", "/api/v1/instance/"])
async def test_v1_instance_reports_a_version_mastodon_py_reads_as_4_3(
    client: httpx.AsyncClient,
    path: str,
) -> None:
    body = (await client.get(path)).json()
    assert mastodon_py_version(body["version"]) >= (4, 3, 0)
    assert body["configuration"]["statuses"]["max_characters"] == 500
    assert body["configuration"]["statuses"]["characters_reserved_per_url"] == 23
    assert body["urls"]["streaming_api"] == "ws://chirp.test"


@pytest.mark.parametrize("path", ["/api/v2/instance", "/api/v2/instance/"])
async def test_v2_instance_reports_api_versions_and_limits(
    client: httpx.AsyncClient,
    path: str,
) -> None:
    body = (await client.get(path)).json()
    assert body["api_versions"] == {"mastodon": 2}
    assert mastodon_py_version(body["version"]) >= (4, 3, 0)
    config = body["configuration"]
    assert config["statuses"]["max_media_attachments"] == 4
    assert config["media_attachments"]["image_size_limit"] == 16 * 1024 * 1024
    assert config["media_attachments"]["image_matrix_limit"] == 33_177_600
    assert config["media_attachments"]["description_limit"] == 1500
    assert config["polls"]["max_options"] == 4
    assert config["urls"]["streaming"] == "ws://chirp.test"
    assert body["registrations"]["enabled"] is True


async def test_user_count_adds_up_over_every_shard(api: Api) -> None:
    for name in ("ann", "bob", "cyd", "dee", "eve"):
        await api.register(name)
    v1 = (await api.client.get("/api/v1/instance")).json()
    v2 = (await api.client.get("/api/v2/instance")).json()
    assert v1["stats"]["user_count"] == 5
    assert v2["usage"]["users"]["active_month"] == 5
