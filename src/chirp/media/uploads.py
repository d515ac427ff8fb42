"""Receiving a multipart upload: the request body is parsed as it streams in, file parts are
written to the staging directory chunk by chunk (never held whole in memory), and limits are
enforced while reading, so an oversized body is refused after at most the limit's worth of
bytes. Whatever goes wrong, the files written so far are removed.

Starlette's own form parser spools files to anonymous temporary files with no size limit,
which is why uploads use this instead of ``request.form()``.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import python_multipart
from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from chirp.core.errors import PayloadTooLarge, Unprocessable
from chirp.media.engine import discard

FIELD_BYTES = 64 * 1024  # a text field (a description, a profile note, ...)
MAX_FIELDS = 64
FIELDS_SLACK = 1024 * 1024  # room in a body for the text fields beside its files


@dataclass
class StagedFile:
    path: Path
    size: int = 0


@dataclass
class Received:
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, StagedFile] = field(default_factory=dict)

    def discard(self) -> None:
        discard(*(f.path for f in self.files.values()))
        self.files.clear()


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)
    sink: IO[bytes] | None = None
    staged: StagedFile | None = None


class _Parser:
    def __init__(self, staging: Path, file_names: frozenset[str], max_file: int) -> None:
        self.staging, self.file_names, self.max_file = staging, file_names, max_file
        self.received = Received()
        self.part = _Part()
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.pending: list[tuple[IO[bytes], bytes]] = []

    def on_part_begin(self) -> None:
        self.part, self.disposition = _Part(), b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name = self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        name = options.get(b"name")
        if name is None:
            raise Unprocessable("Validation failed: a multipart part has no name")
        self.part.name = name.decode("utf-8", "replace")
        self.part.is_file = b"filename" in options
        if self.part.is_file and self.part.name in self.file_names:
            if self.part.name in self.received.files:
                raise Unprocessable(f"Validation failed: {self.part.name} is given twice")
            staged = StagedFile(self.staging / f"upload-{uuid.uuid4().hex}")
            self.received.files[self.part.name] = staged
            self.part.staged, self.part.sink = staged, staged.path.open("wb")
        elif not self.part.is_file and len(self.received.fields) >= MAX_FIELDS:
            raise Unprocessable("Validation failed: too many fields")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        part = self.part
        if part.staged is not None and part.sink is not None:
            part.staged.size += len(chunk)
            if part.staged.size > self.max_file:
                limit = self.max_file // (1024 * 1024)
                raise Unprocessable(
                    f"Validation failed: {part.name.capitalize()} is larger than {limit} MiB"
                )
            self.pending.append((part.sink, bytes(chunk)))
        elif not part.is_file:
            if len(part.data) + len(chunk) > FIELD_BYTES:
                raise Unprocessable(f"Validation failed: {part.name} is too long")
            part.data += chunk
        # A file part we do not take (a thumbnail, say) is read past and dropped.

    def on_part_end(self) -> None:
        if self.part.sink is not None:
            self.pending.append((self.part.sink, b""))  # b"": close after the writes before it
        elif not self.part.is_file:
            self.received.fields.append((self.part.name, self.part.data.decode("utf-8", "replace")))

    async def flush(self) -> None:
        """Write what the last chunk produced, off the event loop."""
        pending, self.pending = self.pending, []
        if pending:
            await asyncio.to_thread(_write_all, pending)


def _write_all(pending: list[tuple[IO[bytes], bytes]]) -> None:
    for sink, data in pending:
        if data:
            sink.write(data)
        else:
            sink.close()


async def receive(
    request: Request, staging: Path, file_names: frozenset[str], max_file: int
) -> Received:
    """The fields and staged files of a multipart body. Files other than ``file_names`` are
    dropped. A body over its limit is a 413, a file over ``max_file`` bytes a 422."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise Unprocessable("Validation failed: send the file as multipart/form-data")
    max_body = max_file * len(file_names) + FIELDS_SLACK
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise PayloadTooLarge(f"Request body is larger than {max_body:,} bytes")
    parser = _Parser(staging, file_names, max_file)
    callbacks = {
        name: getattr(parser, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    multipart = python_multipart.MultipartParser(params[b"boundary"], callbacks)  # type: ignore[arg-type]
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > max_body:
                raise PayloadTooLarge(f"Request body is larger than {max_body:,} bytes")
            multipart.write(chunk)
            await parser.flush()
        multipart.finalize()
        await parser.flush()
    except BaseException as exc:
        _close_open(parser)
        parser.received.discard()
        if isinstance(exc, FormParserError):
            raise Unprocessable("Validation failed: the multipart body is malformed") from None
        raise
    _close_open(parser)
    return parser.received


def _close_open(parser: _Parser) -> None:
    """Close files a failed or unterminated body left open."""
    for sink, _ in parser.pending:
        sink.close()
    if parser.part.sink is not None and not parser.part.sink.closed:
        parser.part.sink.close()
