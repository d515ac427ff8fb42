"""Request bodies a bad client sends, against a real server (chirp.core.bodies): trickled
bodies do not take request slots and run out of time, and bodies past their route's limit are
refused while they stream, chunked or multipart, without the server holding them."""

from __future__ import annotations

import asyncio
import time
import tracemalloc

import httpx

from chirp.runtime import Runtime
from tests.conftest import Api
from tests.streaming import live_server, tuned

MIB = 1024 * 1024


async def _connect(base: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = base.removeprefix("http://").split(":")
    return await asyncio.open_connection(host, int(port))


def _head(method: str, path: str, token: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: chirp.test", f"Authorization: Bearer {token}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _status(reader: asyncio.StreamReader) -> int:
    line = await asyncio.wait_for(reader.readline(), 10)
    return int(line.split()[1])


async def test_clients_trickling_bodies_hold_no_request_slot(api: Api, rt: Runtime) -> None:
    token = await api.register("alice")
    slow = []
    async with live_server(rt) as base:
        # Twice as many as the process has request slots, each sending its headers and then
        # one byte of a 100-byte body.
        for _ in range(10):
            reader, writer = await _connect(base)
            head = {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "100"}
            writer.write(_head("POST", "/api/v1/statuses", token, head) + b"s")
            await writer.drain()
            slow.append((reader, writer))
        await asyncio.sleep(0.3)
        async with httpx.AsyncClient(base_url=base) as client:
            took = []
            for path in ("/api/v1/instance", "/api/v1/accounts/verify_credentials"):
                # The best of three (a busy test machine may delay any one of them): with
                # the slots held, every one would wait until the slow clients gave up.
                tries = []
                for _ in range(3):
                    started = time.perf_counter()
                    answer = await client.get(path, headers={"Authorization": f"Bearer {token}"})
                    tries.append(time.perf_counter() - started)
                    assert answer.status_code == 200, path
                took.append(min(tries))
        assert max(took) < 0.1, took
        for _, writer in slow:
            writer.close()


async def test_a_body_that_does_not_arrive_in_time_is_a_408(api: Api, rt: Runtime) -> None:
    token = await api.register("alice")
    async with live_server(tuned(rt, body_seconds=0.5)) as base:
        reader, writer = await _connect(base)
        head = {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "100"}
        writer.write(_head("POST", "/api/v1/statuses", token, head) + b"status=trick")
        await writer.drain()
        assert await _status(reader) == 408
        writer.close()
    statuses = await api.client.get(
        "/api/v1/timelines/public", headers={"Authorization": f"Bearer {token}"}
    )
    assert statuses.json() == []  # nothing was posted


async def test_chunked_and_multipart_bodies_past_the_limit_are_refused_as_they_stream(
    api: Api, rt: Runtime
) -> None:
    token = await api.register("alice")
    async with live_server(rt) as base:
        tracemalloc.start()
        try:
            # 64 MiB of JSON without a length, to an endpoint that takes no token even.
            reader, writer = await _connect(base)
            writer.write(
                _head(
                    "POST",
                    "/api/v1/apps",
                    token,
                    {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                )
            )
            status = await _send_until_answered(
                reader, writer, (b"%x\r\n%s\r\n" % (MIB, b" " * MIB) for _ in range(64))
            )
            assert status == 413
            # A multipart body to an endpoint that takes no file.
            reader, writer = await _connect(base)
            boundary = "XyZ"
            writer.write(
                _head(
                    "POST",
                    "/api/v1/statuses",
                    token,
                    {
                        "Content-Type": f"multipart/form-data; boundary={boundary}",
                        "Content-Length": str(64 * MIB),
                    },
                )
            )
            status = await _send_until_answered(reader, writer, (b"x" * MIB for _ in range(64)))
            assert status == 413
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 16 * MIB, peak  # held no more than about its limit, not 64 MiB
    public = await api.client.get("/api/v1/timelines/public")
    assert public.json() == []


async def _send_until_answered(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, chunks: object
) -> int:
    """Write ``chunks`` until the server answers (and stops reading); the answer's status."""
    answered = asyncio.ensure_future(_status(reader))
    try:
        for chunk in chunks:  # type: ignore[attr-defined]
            if answered.done():
                break
            writer.write(chunk)
            try:
                await asyncio.wait_for(writer.drain(), 2)
            except (ConnectionError, TimeoutError):
                break
        return await answered
    finally:
        writer.close()


# -- headers (chirp.core.connections) ----------------------------------------------------------


async def test_connections_trickling_headers_are_closed_and_block_nobody(
    api: Api, rt: Runtime
) -> None:
    token = await api.register("alice")
    async with live_server(tuned(rt, header_seconds=0.5)) as base:
        silent = [await _connect(base) for _ in range(5)]  # connected, never a byte
        trickling = []
        for _ in range(5):  # a request line and one header, then nothing more
            reader, writer = await _connect(base)
            writer.write(b"GET /api/v1/instance HTTP/1.1\r\nHost: chirp.test\r\n")
            await writer.drain()
            trickling.append((reader, writer))
        async with httpx.AsyncClient(base_url=base) as client:
            answer = await client.get("/api/v1/instance")
            assert answer.status_code == 200
            # A kept-alive connection's next request has its own deadline, from its first
            # byte: idle for longer than that between requests is fine.
            await asyncio.sleep(0.7)
            assert (await client.get("/api/v1/instance")).status_code == 200
        for reader, writer in [*silent, *trickling]:
            assert await _status(reader) == 408
            rest = await asyncio.wait_for(reader.read(), 5)  # read() returns at the close
            assert rest.endswith(b"connection: close\r\n\r\n"), rest
            writer.close()
    assert token


async def test_headers_past_their_size_are_refused_before_the_app(api: Api, rt: Runtime) -> None:
    token = await api.register("alice")
    async with live_server(rt) as base:
        reader, writer = await _connect(base)
        padding = "x" * 1000
        head = {f"X-Pad-{n}": padding for n in range(100)}  # 100 KB of headers
        writer.write(_head("DELETE", "/api/v1/statuses/1", token, head))
        await writer.drain()
        assert await _status(reader) == 431
        writer.close()
        async with httpx.AsyncClient(base_url=base) as client:  # the server is fine
            assert (await client.get("/api/v1/instance")).status_code == 200
