"""Image files for the media tests, made on the spot: ordinary ones and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image

GPS_IFD = 0x8825


def jpeg(
    width: int = 800,
    height: int = 600,
    colour: tuple[int, int, int] = (200, 60, 40),
    *,
    gps: bool = False,
) -> bytes:
    """A JPEG; with ``gps``, its EXIF carries a camera make and a GPS position."""
    image = Image.new("RGB", (width, height), colour)
    for x in range(0, width, 40):  # some detail, so the blurhash is not flat
        image.paste((20, 20, 160), (x, 0, x + 10, height))
    buffer = io.BytesIO()
    options = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "ChirpCam"  # Make
        exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
        options["exif"] = exif.tobytes()
    image.save(buffer, "JPEG", quality=90, **options)
    return buffer.getvalue()


def png(width: int = 64, height: int = 48, mode: str = "RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), (10, 200, 30, 128) if mode == "RGBA" else 90).save(
        buffer, "PNG"
    )
    return buffer.getvalue()


def encoded(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(buffer, fmt)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels but holds almost no data: decoding it
    would need gigabytes, reading its header needs nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"""
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def files_under(*roots: Path) -> set[Path]:
    """Every file below the roots (what an upload may have left behind)."""
    return {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}
