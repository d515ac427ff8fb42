"""Schemathesis over the whole OpenAPI document, against a `chirp serve` on the embedded
default with a fresh data directory, as an admin (so the admin API is fuzzed too): zero 5xx,
and every answer as the document says (status codes, content types, headers, entities). The
checks and their exceptions are in schemathesis.toml beside this file.

Bounded for CI: a fixed seed and a few examples per operation. A deeper run:
``make fuzz`` (random seed, more examples)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND, PASSWORD, free_port
from tests.e2e.conftest import _wait_until_ready

HERE = Path(__file__).parent
SCOPES = "read write follow push admin:read admin:write"
EXAMPLES = os.environ.get("CHIRP_FUZZ_EXAMPLES", "10")
SEED = os.environ.get("CHIRP_FUZZ_SEED", "20261208")


@pytest.mark.skipif(
    BACKEND == "postgres", reason="runs once, on the embedded default (in the SQLite pass)"
)
def test_the_whole_api_under_schemathesis(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIRP_")}
    env.update(
        {
            "CHIRP_ENV": "test",
            "CHIRP_DATA_DIR": str(tmp_path / "data"),
            "CHIRP_SECRET_KEY": secrets.token_urlsafe(48),
            "CHIRP_PASSWORD_PROFILE": "fast-insecure",
            "CHIRP_DOMAIN": f"127.0.0.1:{port}",
            "CHIRP_BASE_URL": base,
            # The fuzzer sends thousands of requests from one token and one address.
            "CHIRP_RATE_LIMITS": "false",
            "CHIRP_LOG_LEVEL": "WARNING",
        }
    )
    chirp = [sys.executable, "-m", "chirp"]
    admin = ["--username", "fuzzer", "--email", "fuzzer@example.com", "--admin"]
    made = subprocess.run(
        [*chirp, "accounts", "create", *admin, "--password", PASSWORD],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    log_path = tmp_path / "chirp.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*chirp, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_ready(base, server, log_path)
            token = _admin_token(base)
            fuzzed = subprocess.run(
                [
                    str(Path(sys.executable).parent / "schemathesis"),
                    "--config-file",
                    str(HERE / "schemathesis.toml"),
                    "run",
                    f"{base}/openapi.json",
                    "--header",
                    f"Authorization: Bearer {token}",
                    "--max-examples",
                    EXAMPLES,
                    "--seed",
                    SEED,
                    "--phases",
                    "examples,coverage,fuzzing,stateful",
                    # Event streams never end by themselves; tests/api/test_streaming_* cover them.
                    "--exclude-path-regex",
                    "^/api/v1/streaming",
                    "--request-timeout",
                    "30",
                    "--no-color",
                ],
                capture_output=True,
                text=True,
                timeout=900,
                cwd=tmp_path,
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    report = fuzzed.stdout + fuzzed.stderr
    assert fuzzed.returncode == 0, report[-20000:]
    assert "Internal server error" not in log_path.read_text(errors="replace")


def _admin_token(base: str) -> str:
    app = httpx.post(f"{base}/api/v1/apps", data={"client_name": "fuzzer", "scopes": SCOPES})
    assert app.status_code == 200, app.text
    granted = httpx.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.json()["client_id"],
            "client_secret": app.json()["client_secret"],
            "username": "fuzzer@example.com",
            "password": PASSWORD,
            "scope": SCOPES,
        },
    )
    assert granted.status_code == 200, granted.text
    return str(granted.json()["access_token"])
