"""Which requests get an access-log line (chirp.core.middleware.RequestMiddleware): every one
by default; with ``CHIRP_ACCESS_LOG=false`` only slow ones, server errors and closed streams,
while the metrics still count every request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from chirp.core.metrics import Metrics
from chirp.core.middleware import RequestMiddleware


class Lines:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def info(self, event: str, **fields: Any) -> None:
        self.events.append((event, fields))


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    status = 500 if scope["path"] == "/broken" else 200
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _get(routine: bool, path: str) -> tuple[Lines, Metrics, list[Any]]:
    lines, metrics = Lines(), Metrics()
    logged = RequestMiddleware(_app, metrics, slow_ms=10_000, access=lines, routine=routine)
    transport = httpx.ASGITransport(app=logged)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await client.get(path)
    samples = [s for m in metrics.requests.collect() for s in m.samples]
    counted = [s for s in samples if s.name.endswith("_total")]
    return lines, metrics, counted


@pytest.mark.parametrize("routine", [True, False])
async def test_a_plain_request_is_logged_only_when_routine_lines_are_on(routine: bool) -> None:
    lines, _, counted = await _get(routine, "/api/v1/timelines/public")
    assert [e for e, _ in lines.events] == (["request"] if routine else [])
    assert [s.value for s in counted] == [1.0]  # counted either way


async def test_a_server_error_is_logged_even_with_routine_lines_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")
    lines, _, _ = await _get(False, "/broken")
    logged = [r.msg for r in caplog.records if isinstance(r.msg, dict)] + [
        f for _, f in lines.events
    ]
    assert [f["status"] for f in logged if f.get("path") == "/broken"] == [500]
