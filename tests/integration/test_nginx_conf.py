"""deploy/nginx.conf serves stored media itself, with the app's headers and byte ranges.

The shipped file is run by a real nginx, changed only where a test must: its HTTPS server
listens on a free local port without TLS, and the media root is a temporary directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

CONF = Path(__file__).parents[2] / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (.ci/run installs it)"
)
KEY = "ab/cd/abcd" + "0" * 60 + ".jpg"


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    media = tmp_path / "media"
    (media / KEY).parent.mkdir(parents=True)
    (media / KEY).write_bytes(b"\xff\xd8\xff pretend image bytes")
    site = CONF.read_text()
    site = re.sub(r"server \{\n    listen 80;.*?\n\}\n", "", site, flags=re.S)  # the redirect
    site = re.sub(r"    listen \[::\]:443.*\n", "", site)
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port};")
    site = re.sub(r"    ssl_.*\n", "", site)
    site = site.replace("/var/lib/chirp/media/", f"{media}/")
    temp = " ".join(
        f"{kind}_temp_path {tmp_path};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would drop to "nobody", who cannot enter pytest's private tmp.
    user = "user root;" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user} pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ access_log off; {temp}\n{site}\n}}\n"
    )
    assert NGINX is not None
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/media/", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, (tmp_path / "error.log").read_text()
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_media_files_are_served_with_immutable_cache_headers_and_ranges(nginx: str) -> None:
    whole = httpx.get(f"{nginx}/media/{KEY}")
    assert whole.status_code == 200
    assert whole.headers.get_list("cache-control") == ["public, max-age=31536000, immutable"]
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert whole.headers["content-security-policy"] == "default-src 'none'"
    assert whole.headers["content-type"] == "image/jpeg"
    assert whole.headers["etag"]
    ranged = httpx.get(f"{nginx}/media/{KEY}", headers={"Range": "bytes=0-2"})
    assert ranged.status_code == 206 and ranged.content == b"\xff\xd8\xff"
    cached = httpx.get(f"{nginx}/media/{KEY}", headers={"If-None-Match": whole.headers["etag"]})
    assert cached.status_code == 304


def test_anything_else_under_media_is_404(nginx: str) -> None:
    for path in ("/media/", "/media/ab/cd/x.jpg", "/media/ab/cd/" + "a" * 64 + ".html"):
        assert httpx.get(nginx + path).status_code == 404, path


def test_the_metrics_are_not_served_through_the_front_end(nginx: str) -> None:
    for path in ("/metrics", "/metrics?x=1"):
        assert httpx.get(nginx + path).status_code == 404, path
