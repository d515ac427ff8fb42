"""A real `chirp serve` process on a free port, sharing this run's databases."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port


# For these tests only: the server shares the run's databases, and its job runner claims
# whatever the outbox holds, so left running it would take later tests' events (and stream
# them through its own hub) before their own process could.
@pytest.fixture(scope="package")
def server(e2e_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**e2e_env, "CHIRP_DOMAIN": f"127.0.0.1:{port}", "CHIRP_BASE_URL": base}
    # Mastodon.py's SSE handle closes only once its reader thread gets data: a heartbeat
    # every second (Mastodon sends one every 15) keeps closing a stream quick.
    env["CHIRP_STREAMING_HEARTBEAT_SECONDS"] = "1"
    log_path = Path(tmp_path_factory.mktemp("server")) / "chirp.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "chirp", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_ready(base, process, log_path)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    if os.environ.get("CHIRP_TEST_SHOW_SERVER_LOG"):
        sys.stderr.write(log_path.read_text())


def _wait_until_ready(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chirp serve exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"chirp serve did not become ready:\n{log_path.read_text()}")
