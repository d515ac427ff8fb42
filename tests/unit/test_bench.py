"""The load runner's pure parts: wrk's summary, request plans, ratios, targets and reports."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bench import report, wrk
from bench.scenarios import BY_NAME, load_tokens

SUMMARY = (
    'WRKJSON {"requests":1200,"duration_us":10000000,"bytes":2400000,'
    '"errors":{"connect":0,"read":1,"write":0,"status":3,"timeout":2},'
    '"latency_us":{"p50":8000,"p90":12000,"p95":15000,"p99":30000,"max":90000,"mean":9100.5}}'
)

DOC = {
    "accounts": [{"id": str(n), "username": f"u{n}", "token": f"tok{n}"} for n in range(4)],
    "status_ids": ["100", "101", "102"],
    "account_ids": ["7", "8"],
}


def test_wrk_summary_is_parsed_among_other_output() -> None:
    result = wrk.parse(f"Running 10s test\n{SUMMARY}\nRequests/sec: 120\n", cpu_s=2.5)
    assert result.requests == 1200
    assert result.rps == 120
    assert result.latency_ms["p99"] == 30
    assert result.error_count == 6  # non-2xx answers, socket errors and timeouts together
    assert result.cpu_s == 2.5


def test_output_without_a_summary_is_an_error() -> None:
    with pytest.raises(ValueError, match="no wrk summary"):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_plans_refuse_fields_that_would_break_the_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        wrk.write_plan(tmp_path / "p", [("GET", "/a\tb", "t", "")])


def test_home_plan_has_one_account_per_connection() -> None:
    lines = BY_NAME["home"].plan(DOC, connections=3)
    assert [line[2] for line in lines] == ["tok0", "tok1", "tok2"]
    assert all(line[1] == "/api/v1/timelines/home?limit=20" for line in lines)


def test_status_and_favourite_plans_pair_tokens_with_ids() -> None:
    reads = BY_NAME["status"].plan(DOC, connections=4)
    assert len(reads) == 4
    assert {line[1] for line in reads} == {f"/api/v1/statuses/{i}" for i in ("100", "101", "102")}
    assert len({line[2] for line in reads}) == 4
    writes = BY_NAME["favourite"].plan(DOC, connections=2)
    assert all(m == "POST" and p.endswith("/favourite") for m, p, _, _ in writes)


def test_post_plan_sends_a_form_body() -> None:
    method, path, token, body = BY_NAME["post"].plan(DOC, connections=1)[0]
    assert (method, path, token) == ("POST", "/api/v1/statuses", "tok0")
    assert body.startswith("status=")


def test_a_seed_token_document_is_read_as_is(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(DOC))
    assert load_tokens(path, "http://unused") == DOC


def row(
    target: str, scenario: str, rps: float, p50: float = 10, p99: float = 20, cpu_ms: float = 2
) -> dict[str, Any]:
    return {
        "target": target,
        "scenario": scenario,
        "read": scenario != "post",
        "concurrency": 64,
        "requests": int(rps * 10),
        "rps": rps,
        "latency_ms": {"p50": p50, "p90": p99, "p95": p99, "p99": p99, "max": p99, "mean": p50},
        "errors": 0,
        "error_detail": {},
        "server_cpu_cores": 1.5,
        "server_cpu_ms_per_request": cpu_ms,
        "server_peak_rss_mb": 300.0,
        "db_cpu_cores": 0.3,
        "wrk_cpu_cores": 0.2,
        "machine_busy": 0.9,
    }


ROWS = [
    row("chirp", "home", 300, cpu_ms=8),
    row("chirp", "public", 500, p50=10, p99=50),
    row("chirp", "post", 100),
    row("ceiling", "home", 1000),
    row("ceiling", "public", 1000),
]


def test_ratios_divide_by_the_ceiling_of_the_same_scenario_and_concurrency() -> None:
    found = {(r["scenario"], r["concurrency"]): r["ratio"] for r in report.ratios(ROWS)}
    assert found == {("home", 64): 0.3, ("public", 64): 0.5}


def test_the_cpu_ratio_compares_server_cpu_per_request() -> None:
    found = {r["scenario"]: r["cpu_ratio"] for r in report.ratios(ROWS)}
    assert found == {"home": 0.25, "public": 1.0}  # 2 ms for the ceiling, 8 ms for Chirp


def test_checks_apply_the_issue_targets_to_reads() -> None:
    checks = {c["scenario"]: c for c in report.checks(ROWS, report.ratios(ROWS))}
    assert set(checks) == {"home", "public"}  # writes have no target
    assert checks["home"]["ratio_ok"] is True  # 30% meets the 25% target
    assert checks["public"]["ratio_ok"] is True
    assert checks["public"]["tail_ok"] is False  # p99 five times p50


def test_top_frames_rank_self_time_from_collapsed_stacks() -> None:
    collapsed = "main;a;b 30\nmain;a;c 10\nmain;b 60\nbroken line\n"
    assert report.top_frames(collapsed, limit=2) == [("b", 0.9), ("c", 0.1)]


def test_report_files_are_written(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the chart needs the bench extra (matplotlib)")
    result = {
        "meta": {
            "date": "2026-01-01T00:00:00+00:00",
            "commit": "abc",
            "machine": "test",
            "command": "python -m bench.run",
            "backend": "sqlite",
            "scale": "small",
            "server": "uvicorn",
            "workers": 2,
            "duration_s": 10,
            "warmup_s": 3,
            "wrk_threads": 2,
        },
        "rows": ROWS,
        "profiles": {"home c=64": [("render", 0.25)]},
    }
    paths = report.write(result, tmp_path, "run")
    assert [p.suffix for p in paths] == [".json", ".md", ".png"]
    summary = (tmp_path / "run.md").read_text()
    assert "| chirp | home | 64 | 300 | 1000 | 30% | 25% |" in summary
    assert "| public | 50% ✓ | 35% | 5.0 ✗ | yes | none |" in summary
    assert json.loads((tmp_path / "run.json").read_text())["ratios"][0]["ratio"] == 0.3
    assert (tmp_path / "run.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench does)")
def test_the_lua_plan_sends_every_line_with_its_token(tmp_path: Path) -> None:
    seen: list[tuple[str, str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer()

        def _answer(self) -> None:
            seen.append((self.command, self.path, self.headers.get("Authorization", "")))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # wrk resets its connections when it stops

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        plan = wrk.write_plan(
            tmp_path / "plan",
            [("GET", "/a", "tokA", ""), ("POST", "/b", "tokB", "status=hi")],
        )
        base = f"http://127.0.0.1:{server.server_address[1]}"
        result = wrk.run(base, plan, connections=2, threads=2, duration_s=1)
    finally:
        server.shutdown()
        server.server_close()  # joins the connection threads too
    assert result.requests > 0 and result.error_count == 0
    assert {("GET", "/a", "Bearer tokA"), ("POST", "/b", "Bearer tokB")} <= set(seen)
