"""The rate limit matrix: every API-wide rule reaches 429 at its number, counted across two
`chirp serve` processes that share Redis, with requests alternating between them and the
paths spelled every way a client can (repeated and trailing slashes, case, ``%2F``, HEAD).
Small numbers are set, in windows of a day so none rolls over during the test."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from tests.conftest import PASSWORD, REDIS, Api, bearer, free_port, post, user
from tests.e2e.conftest import _wait_until_ready

RULES = {
    "CHIRP_RATE_LIMITS": "true",
    "CHIRP_LIMIT_API_TOKEN": "4/day",
    "CHIRP_LIMIT_API_ACCOUNT": "7/day",
    "CHIRP_LIMIT_API_IP": "3/day",
    "CHIRP_LIMIT_MEDIA": "2/day",
    "CHIRP_LIMIT_DELETES": "2/day",
}


@pytest.fixture
def servers(e2e_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two servers over this run's databases and a Redis (on SQLite too: a deployment of
    several processes has one), counting in the same keys, under a prefix of their own."""
    prefix = f"chirp-matrix-{secrets.token_hex(4)}:"
    shared = {
        "CHIRP_REDIS_URL": e2e_env.get("CHIRP_REDIS_URL", REDIS),
        "CHIRP_REDIS_PREFIX": prefix,
    }
    started: list[subprocess.Popen[bytes]] = []
    bases = []
    try:
        for node in ("3", "4"):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            env = {**e2e_env, **RULES, **shared, "CHIRP_NODE_ID": node}
            env |= {"CHIRP_DOMAIN": f"127.0.0.1:{port}", "CHIRP_BASE_URL": base}
            log_path = tmp_path / f"chirp-{node}.log"
            with log_path.open("wb") as log:
                command = [sys.executable, "-m", "chirp", "serve"]
                command += ["--host", "127.0.0.1", "--port", str(port)]
                started.append(
                    subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
                )
            _wait_until_ready(base, started[-1], log_path)
            bases.append(base)
        yield bases[0], bases[1]
    finally:
        for process in started:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        with Redis.from_url(shared["CHIRP_REDIS_URL"]) as redis:
            for key in redis.scan_iter(match=f"{prefix}*", count=1000):
                redis.delete(key)


async def test_every_rule_stops_at_its_number_across_two_processes(
    api: Api, servers: tuple[str, str]
) -> None:
    alice, bob, carol, dave = [await user(api, name) for name in ("alice", "bob", "carol", "dave")]
    app = await api.create_app()
    grant = {"grant_type": "password", "username": "bob@example.com", "password": PASSWORD}
    grant |= {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    bob_again = (await api.client.post("/oauth/token", data=grant)).json()["access_token"]
    doomed = [await post(api, dave, f"status {n}") for n in range(3)]
    async with (
        httpx.AsyncClient(base_url=servers[0]) as a,
        httpx.AsyncClient(base_url=servers[1]) as b,
    ):

        async def status(client: httpx.AsyncClient, method: str, path: str, **kw: object) -> int:
            answer = await client.request(method, path, **kw)  # type: ignore[arg-type]
            if answer.status_code != 429:
                assert "x-ratelimit-limit" in answer.headers, (path, answer.status_code)
            return answer.status_code

        # Without an account, by address (a trusted proxy's X-Forwarded-For).
        me = {"X-Forwarded-For": "198.51.100.50"}
        seen = [
            await status(a, "GET", "/api/v1/instance", headers=me),
            await status(b, "GET", "/api/v1//instance", headers=me),
            await status(a, "HEAD", "/API/v1/instance/", headers=me),
            await status(b, "GET", "/api/v1/instance", headers=me),
        ]
        assert seen[3] == 429 and 429 not in seen[:3], seen
        assert (
            await status(a, "GET", "/api/v1/instance", headers={"X-Forwarded-For": "198.51.100.51"})
            == 200
        )

        # Per token, whatever the path's spelling.
        spellings = [
            (a, "GET", "/api/v1/accounts/verify_credentials"),
            (b, "GET", "/api/v1/accounts/verify_credentials/"),
            (a, "GET", "/API/V1/ACCOUNTS/VERIFY_CREDENTIALS"),
            (b, "HEAD", "/api/v1/accounts//verify_credentials"),
        ]
        remaining = []
        for client, method, path in spellings:
            answer = await client.request(method, path, headers=alice.auth)
            assert answer.status_code != 429, path
            remaining.append(answer.headers["x-ratelimit-remaining"])
        assert remaining == ["3", "2", "1", "0"]
        assert await status(a, "GET", "/api/v1/timelines/home", headers=alice.auth) == 429
        assert await status(b, "GET", "/api/v1/timelines/home", headers=alice.auth) == 429

        # Per account, over all its tokens (each token's own 4 not reached by the second).
        for client in (a, b, a, b):
            assert await status(client, "GET", "/api/v1/timelines/home", headers=bob.auth) == 200
        for client in (a, b, a):
            assert (
                await status(client, "GET", "/api/v1/timelines/home", headers=bearer(bob_again))
                == 200
            )
        assert await status(b, "GET", "/api/v1/timelines/home", headers=bearer(bob_again)) == 429

        # Media uploads (refused or not: every attempt counts), per account.
        assert await status(a, "POST", "/api/v2/media", headers=carol.auth) == 422
        assert await status(b, "POST", "/api/v1//media/", headers=carol.auth) == 404
        assert await status(a, "POST", "/API/V2/MEDIA", headers=carol.auth) == 429
        assert await status(b, "GET", "/api/v1/timelines/home", headers=carol.auth) == 200

        # Deletions of statuses and reblogs, per account; %2F arrives as a slash.
        assert await status(a, "DELETE", f"/api/v1/statuses/{doomed[0]}", headers=dave.auth) == 200
        assert (
            await status(b, "POST", f"/api/v1/statuses/{doomed[1]}/unreblog", headers=dave.auth)
            == 200
        )
        assert (
            await status(a, "DELETE", f"/api/v1/statuses%2F{doomed[2]}", headers=dave.auth) == 429
        )
    kept = await api.client.get(f"/api/v1/statuses/{doomed[2]}", headers=dave.auth)
    assert kept.status_code == 200  # the refused deletion did nothing
