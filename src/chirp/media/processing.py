"""The CPU-bound work on an uploaded image. Runs in a worker process (``chirp.media.engine``),
never on the event loop, and touches only files: the staged upload in, re-encoded files out.

The order is what keeps hostile files cheap: the type is read from the first bytes (never from
the name or the declared type); then only that format's decoder may open the file, and Pillow
reads just the header, so the pixel count is checked before a single pixel is decoded. Every
output is a new encoding of the pixels alone: EXIF (GPS included), ICC profiles, comments and
text chunks are not carried over. Animated GIF and WebP keep their first frame.
"""

from __future__ import annotations

import hashlib
import math
import os
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import blurhash
from PIL import Image, ImageOps

# Magic numbers: what the content says it is. WebP is RIFF....WEBP.
_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)
# What each input becomes: GIF's one kept frame is stored as PNG (lossless, with alpha).
_OUTPUT = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "PNG"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


class MediaError(Exception):
    """A file we refuse, with the message the client gets (always a 422)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Limits:
    max_pixels: int  # refused above this, from the header
    fit_pixels: int  # the stored image is scaled down to at most this many pixels
    preview_pixels: int
    crop: tuple[int, int] | None = None  # avatars and headers: cropped to fill this box


@dataclass(frozen=True, slots=True)
class Rendition:
    path: str  # a new file in the work directory, for the caller to store
    digest: str  # sha256 of the file: its content address
    extension: str
    width: int
    height: int

    @property
    def key(self) -> str:
        return f"{self.digest[:2]}/{self.digest[2:4]}/{self.digest}.{self.extension}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]


@dataclass(frozen=True, slots=True)
class Processed:
    original: Rendition
    preview: Rendition
    blurhash: str


def sniff(head: bytes) -> str | None:
    """The image format the first bytes announce, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return next((fmt for magic, fmt in _MAGIC if head.startswith(magic)), None)


def process(source: str, workdir: str, limits: Limits) -> Processed:
    """Check, decode and re-encode ``source``; the new files are in ``workdir``. Raises
    MediaError for what we refuse; on any failure no file it wrote is left behind."""
    written: list[str] = []
    try:
        image, fmt = _decode(source, limits)
        original = _encode(image, fmt, workdir, written)
        preview_image = image.copy()
        preview_image.thumbnail(_fit(image.size, limits.preview_pixels), Image.Resampling.LANCZOS)
        preview = _encode(preview_image, fmt, workdir, written)
        return Processed(original, preview, _blurhash(preview_image))
    except BaseException:
        for path in written:
            Path(path).unlink(missing_ok=True)
        raise


def _decode(source: str, limits: Limits) -> tuple[Image.Image, str]:
    """The upload's pixels, oriented, fitted or cropped, with no metadata; its output format."""
    with open(source, "rb") as handle:
        kind = sniff(handle.read(16))
    if kind is None:
        raise MediaError(
            "Validation failed: File content type is not a JPEG, PNG, GIF or WebP image"
        )
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard (a warning, then an error past twice its limit) reads the
            # same header; ours below is stricter and says so in the client's terms.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # formats=: only the decoder of the type the content announced may read the file.
            opened = Image.open(source, formats=[kind])
    except Image.DecompressionBombError:
        raise _too_many_pixels(limits) from None
    except _DECODE_ERRORS:
        raise MediaError("Validation failed: File is not a readable image") from None
    try:
        with opened:
            width, height = opened.size
            if width * height > limits.max_pixels:
                raise _too_many_pixels(limits)
            if kind == "JPEG":
                # Let libjpeg decode at the smallest power-of-two scale still >= the target:
                # less memory and time for large photos. (Before the EXIF rotation: a crop box
                # is made square so that it holds either way round.)
                side = max(limits.crop) if limits.crop else 0
                opened.draft("RGB", (side, side) if side else _fit(opened.size, limits.fit_pixels))
            opened.load()  # the one place pixels are decoded: a broken file fails here
            ImageOps.exif_transpose(opened, in_place=True)  # the camera's orientation
            image: Image.Image = opened
    except MediaError:
        raise
    except _DECODE_ERRORS:
        raise MediaError("Validation failed: File is not a readable image") from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if has_alpha and kind != "JPEG" else "RGB"
    if image.mode != mode:  # converting to the same mode would copy every pixel
        image = image.convert(mode)
    if limits.crop:
        image = ImageOps.fit(image, limits.crop, Image.Resampling.LANCZOS)
    elif image.size != (target := _fit(image.size, limits.fit_pixels)):
        image = image.resize(target, Image.Resampling.LANCZOS)
    image.info = {}  # nothing from the upload's metadata may reach an encoder
    return image, _OUTPUT[kind]


def _too_many_pixels(limits: Limits) -> MediaError:
    return MediaError(f"Validation failed: File has more than {limits.max_pixels:,} pixels")


def _fit(size: tuple[int, int], pixels: int) -> tuple[int, int]:
    """``size`` scaled down (never up), keeping its aspect, to at most ``pixels``."""
    width, height = size
    if width * height <= pixels:
        return size
    scale = math.sqrt(pixels / (width * height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _encode(image: Image.Image, fmt: str, workdir: str, written: list[str]) -> Rendition:
    extension = EXTENSIONS[fmt]
    path = os.path.join(workdir, f"{uuid.uuid4().hex}.{extension}")
    written.append(path)
    options: dict[str, int] = {"JPEG": {"quality": 85}, "WEBP": {"quality": 85}}.get(fmt, {})
    image.save(path, format=fmt, **options)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return Rendition(path, digest.hexdigest(), extension, image.width, image.height)


def _blurhash(image: Image.Image) -> str:
    tiny = image.convert("RGB")
    tiny.thumbnail((32, 32))  # the hash is a blur: a 32-pixel image gives the same one, fast
    rows = [[tiny.getpixel((x, y)) for x in range(tiny.width)] for y in range(tiny.height)]
    return str(blurhash.encode(rows, components_x=4, components_y=4))
