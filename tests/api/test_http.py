"""The HTTP plumbing: health, readiness, metrics, request ids, logs and error shapes."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx
import pytest

from chirp.app import create_app
from chirp.config import Environment, Settings
from chirp.runtime import Runtime
from tests.conftest import PASSWORD, Api, bearer
from tests.streaming import live_server, tuned


async def test_health_answers_while_the_process_lives(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_checks_every_shard_database(client: httpx.AsyncClient, rt: Runtime) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json()["shards"] == {str(p.index): "ok" for p in rt.shards.physical}


async def test_ready_is_503_when_a_database_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(
        env=Environment.test,
        data_dir=tmp_path,
        node_id=3,
        secret_key="k" * 40,
        password_profile="fast-insecure",
        shard_urls=[
            f"sqlite+aiosqlite:///{tmp_path}/ok.db",
            f"sqlite+aiosqlite:///{tmp_path}/missing-dir/no.db",
        ],
    )
    rt = Runtime.build(settings)
    try:
        transport = httpx.ASGITransport(app=create_app(runtime=rt))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/ready")
    finally:
        await rt.close()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["shards"]["0"] == "ok" and body["shards"]["1"] != "ok"


def _sample(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


async def test_metrics_count_requests_by_route_template(api: Api) -> None:
    series = (
        'chirp_http_requests_total{method="GET",route="/api/v1/accounts/{account_id}",status="404"}'
    )
    before = _sample((await api.client.get("/metrics")).text, series)
    await api.client.get("/api/v1/accounts/123")
    await api.client.get("/api/v1/accounts/456")
    text = (await api.client.get("/metrics")).text
    assert _sample(text, series) == before + 2
    assert "chirp_http_request_duration_seconds_bucket" in text
    assert "/api/v1/accounts/123" not in text


async def test_metrics_report_database_pool_usage(client: httpx.AsyncClient, rt: Runtime) -> None:
    text = (await client.get("/metrics")).text
    for shard in rt.shards.physical:
        assert f'chirp_db_pool_connections_in_use{{shard="{shard.index}"}}' in text
        assert f'chirp_db_pool_size{{shard="{shard.index}"}}' in text


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    fresh = await client.get("/health")
    assert len(fresh.headers["x-request-id"]) == 32
    echoed = await client.get("/health", headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    unsafe = await client.get("/health", headers={"X-Request-Id": "bad id with spaces"})
    assert unsafe.headers["x-request-id"] != "bad id with spaces"


async def test_openapi_docs_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/accounts/verify_credentials" in spec["paths"]


async def test_production_serves_the_openapi_document_but_no_pages_that_load_a_cdn(
    rt: Runtime,
) -> None:
    production = rt.settings.model_copy(update={"env": Environment.production})
    transport = httpx.ASGITransport(app=create_app(settings=production, runtime=rt))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/docs")).status_code == 404
        assert (await client.get("/redoc")).status_code == 404
        assert "paths" in (await client.get("/openapi.json")).json()


@pytest.mark.parametrize(
    "method,path,status",
    [
        ("GET", "/no/such/route", 404),
        ("DELETE", "/api/v1/instance", 405),
        ("GET", "/api/v1/accounts/verify_credentials", 401),
    ],
)
async def test_errors_have_mastodons_shape(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    status: int,
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert isinstance(response.json()["error"], str)


@pytest.mark.parametrize(
    "method,path,allowed",
    [
        ("OPTIONS", "/oauth/authorize", "GET, POST"),  # two routes, one path
        ("PATCH", "/api/v1/statuses/1", "DELETE, GET, PUT"),
        ("OPTIONS", "/api/v1/notifications/clear", "POST"),  # not also {id}'s GET
        ("POST", "/avatars/original/missing.png", "GET"),  # not documented: Starlette's
    ],
)
async def test_a_405_names_every_method_of_its_path(
    client: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed


async def test_malformed_json_body_is_422_not_500(api: Api) -> None:
    token = await api.register("alice")
    for body in (b"{not json", b"[1, 2]"):
        response = await api.client.patch(
            "/api/v1/accounts/update_credentials",
            content=body,
            headers={**bearer(token), "Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert "error" in response.json()


async def test_security_events_are_logged_without_secrets(
    api: Api,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    app = await api.create_app()
    token = await api.register("alice", app=app)
    await api.client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "alice@example.com",
            "password": "Wrong-password-22",
        },
    )
    await api.client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": "alice@example.com",
            "password": PASSWORD,
        },
    )
    await api.client.get("/api/v1/accounts/verify_credentials", params={"access_token": token})
    await api.client.post(
        "/oauth/revoke",
        data={"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token},
    )
    # The server's own lines only: httpx, the test's client, logs the URLs it requests.
    ours = [r for r in caplog.records if r.name.startswith(("chirp", "uvicorn", "sqlalchemy"))]
    events = [r.msg.get("event") for r in ours if isinstance(r.msg, dict)]
    for wanted in ("account_registered", "login_failed", "login_succeeded", "token_revoked"):
        assert wanted in events
    everything = json.dumps([r.msg for r in ours], default=str)
    for secret in (
        token,
        app["client_secret"],
        PASSWORD,
        "Wrong-password-22",
        "alice@example.com",
        "$argon2",
    ):
        assert secret not in everything


async def test_a_slow_request_is_logged_as_a_warning(
    rt: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hair_trigger = rt.settings.model_copy(update={"slow_ms": 0.001})
    caplog.set_level(logging.INFO)
    transport = httpx.ASGITransport(app=create_app(settings=hair_trigger, runtime=rt))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.get("/health")
    slow = [
        r.msg
        for r in caplog.records
        if isinstance(r.msg, dict) and r.msg.get("event") == "slow_request"
    ]
    assert slow and slow[0]["route"] == "/health" and slow[0]["level"] == "warning"


async def test_a_slow_query_is_logged_with_its_statement_but_no_parameters(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sqlalchemy import text

    from chirp.db.shards import ShardMap

    settings = Settings(
        env=Environment.test, data_dir=tmp_path, node_id=3, secret_key="k" * 40, slow_ms=0.001
    )
    shards = ShardMap.from_settings(settings)
    caplog.set_level(logging.INFO)
    try:
        async with shards.physical[0].engine.connect() as conn:
            await conn.execute(text("SELECT :secret"), {"secret": "hunter2-parameter"})
    finally:
        await shards.dispose()
    slow = [
        r.msg
        for r in caplog.records
        if isinstance(r.msg, dict) and r.msg.get("event") == "slow_query"
    ]
    assert "SELECT ?" in [entry["statement"] for entry in slow]
    assert "hunter2-parameter" not in caplog.text


async def test_every_answer_forbids_content_type_sniffing(client: httpx.AsyncClient) -> None:
    for path in ("/health", "/api/v1/timelines/public", "/api/v1/instance", "/nowhere"):
        answer = await client.get(path)
        assert answer.headers.get_list("x-content-type-options") == ["nosniff"], path


async def test_links_name_the_configured_host_whatever_host_the_request_names(
    api: Api, rt: Runtime
) -> None:
    token = await api.register("alice")
    for n in range(3):
        posted = await api.client.post(
            "/api/v1/statuses", data={"status": f"{n}"}, headers=bearer(token)
        )
        await api.client.post(
            f"/api/v1/statuses/{posted.json()['id']}/favourite", headers=bearer(token)
        )
    forged = {**bearer(token), "Host": "evil.example"}
    # The hot path's public timeline (read twice: the second answer is from memory), an
    # account's statuses, and a route of the database path.
    me = (await api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))).json()
    for path in (
        "/api/v1/timelines/public?limit=2",
        "/api/v1/timelines/public?limit=2",
        f"/api/v1/accounts/{me['id']}/statuses?limit=2",
        "/api/v1/favourites?limit=2",
    ):
        answer = await api.client.get(path, headers=forged)
        assert answer.status_code == 200, path
        link = answer.headers["link"]
        assert "evil.example" not in link, (path, link)
        assert link.startswith(f"<{rt.settings.public_url}{path.split('?')[0]}?"), (path, link)


async def test_a_client_that_leaves_mid_body_is_logged_as_gone_not_as_a_server_error(
    api: Api, rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    token = await api.register("alice")
    caplog.set_level(logging.INFO)
    before = _posts_by_status(rt)
    async with live_server(rt) as base:
        host, port = base.removeprefix("http://").split(":")
        _reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /api/v1/statuses HTTP/1.1\r\nHost: chirp.test\r\n"
            + f"Authorization: Bearer {token}\r\n".encode()
            + b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
            + b"status=hel"
        )
        await writer.drain()
        await asyncio.sleep(0.3)  # the request is in the route, waiting for the rest
        writer.close()
        for _ in range(50):  # until the server has seen the disconnect
            if any(_event(r) == "client_disconnected" for r in caplog.records):
                break
            await asyncio.sleep(0.05)
    events = [_event(r) for r in caplog.records]
    assert "client_disconnected" in events and "unhandled_error" not in events
    after = _posts_by_status(rt)
    assert after.get("499", 0) == before.get("499", 0) + 1
    assert after.get("500", 0) == before.get("500", 0)


def _posts_by_status(rt: Runtime) -> dict[str, float]:
    """POST requests counted so far, by status (the session's metrics; one that never got
    its body is counted before it was routed)."""
    counted: dict[str, float] = {}
    for metric in rt.metrics.requests.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total") and sample.labels.get("method") == "POST":
                status = sample.labels["status"]
                counted[status] = counted.get(status, 0.0) + sample.value
    return counted


def _event(record: logging.LogRecord) -> object:
    return record.msg.get("event") if isinstance(record.msg, dict) else None


async def test_metrics_are_for_this_host_or_the_bearer_of_the_metrics_token(rt: Runtime) -> None:
    async def get(runtime: Runtime, peer: str, headers: dict[str, str] | None = None) -> int:
        transport = httpx.ASGITransport(app=create_app(runtime=runtime), client=(peer, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return (await client.get("/metrics", headers=headers)).status_code

    assert await get(rt, "127.0.0.1") == 200  # a scraper on this host
    assert await get(rt, "203.0.113.9") == 403  # anyone else, also through the proxy
    locked = tuned(rt, metrics_token="s3cret-metrics")
    assert await get(locked, "203.0.113.9") == 401
    assert await get(locked, "127.0.0.1", {"Authorization": "Bearer wrong"}) == 401
    assert await get(locked, "203.0.113.9", {"Authorization": "Bearer s3cret-metrics"}) == 200
