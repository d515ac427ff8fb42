"""``chirp serve --workers N`` (chirp.core.server): each uvicorn worker accepts on its own
socket, so connections spread over the workers, and a worker that dies is replaced while
the others, and its socket's backlog, keep the port answering."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONNECTIONS = 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pid(port: int, connection: http.client.HTTPConnection | None = None) -> int:
    """Which worker answers a request (on a new connection, unless one is given)."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/")
        answer = connection.getresponse()
        assert answer.status == 200
        return int(answer.read())
    finally:
        if own:
            connection.close()


def _wait_until_answering(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            _pid(port)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer within 60 s")


@pytest.fixture
def served() -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    if not hasattr(socket, "SO_REUSEPORT"):
        pytest.skip("no SO_REUSEPORT here: uvicorn's own workers serve instead")
    port = _free_port()
    code = (
        "from chirp.core.server import run; "
        f"run('tests.integration.pid_app:create', host='127.0.0.1', port={port}, workers=2)"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    try:
        _wait_until_answering(port, server)
        yield port, server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def test_connections_spread_over_the_workers(served: tuple[int, subprocess.Popen[bytes]]) -> None:
    port, _ = served
    connections = [
        http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(CONNECTIONS)
    ]
    served_by = Counter(_pid(port, c) for c in connections)
    for connection in connections:
        connection.close()
    # The kernel hashes connections over the two sockets: fewer than 4 of 32 on one side
    # has a chance of about one in a million.
    assert len(served_by) == 2, served_by
    assert min(served_by.values()) >= 4, served_by


def test_a_dead_worker_is_replaced_and_the_port_keeps_answering(
    served: tuple[int, subprocess.Popen[bytes]],
) -> None:
    port, server = served
    pids = {_pid(port) for _ in range(CONNECTIONS)}
    victim = pids.pop()
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    seen: set[int] = set()
    while time.monotonic() < deadline:
        seen |= {_pid(port) for _ in range(8)}  # every request answered meanwhile
        if len(seen - {victim}) == 2:
            break
        time.sleep(0.2)
    assert victim not in seen
    assert len(seen) == 2, seen  # the survivor and the replacement
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
