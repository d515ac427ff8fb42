"""The image pipeline on its own (it runs in worker processes in the server)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from chirp.media.processing import Limits, MediaError, process, sniff
from tests import media_files

LIMITS = Limits(max_pixels=33_177_600, fit_pixels=8_294_400, preview_pixels=230_400)
ROOT = Path(__file__).parents[2]


def _run(tmp_path: Path, data: bytes, limits: Limits = LIMITS) -> tuple[Image.Image, Image.Image]:
    source = tmp_path / "upload"
    source.write_bytes(data)
    result = process(str(source), str(tmp_path), limits)
    return _load(result.original.path), _load(result.preview.path)


def _load(path: str) -> Image.Image:
    return Image.open(io.BytesIO(Path(path).read_bytes()))


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (media_files.jpeg(10, 10), "JPEG"),
        (media_files.png(), "PNG"),
        (media_files.encoded("GIF"), "GIF"),
        (media_files.encoded("WEBP"), "WEBP"),
        (media_files.SVG, None),
        (media_files.encoded("BMP"), None),
        (b"RIFF\x00\x00\x00\x00WAVE", None),
    ],
)
def test_the_type_is_read_from_the_content(data: bytes, kind: str | None) -> None:
    assert sniff(data[:16]) == kind


def test_the_camera_orientation_is_applied_then_dropped(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated a quarter turn: portrait
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 100, 200)).save(buffer, "JPEG", exif=exif.tobytes())
    original, preview = _run(tmp_path, buffer.getvalue())
    assert original.size == (300, 400)
    assert preview.size == (300, 400)
    assert dict(original.getexif()) == {}


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "I;16", "RGBA", "CMYK"])
def test_every_pixel_mode_comes_out_as_rgb_or_rgba(tmp_path: Path, mode: str) -> None:
    buffer = io.BytesIO()
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    Image.new(mode, (30, 20)).save(buffer, fmt)
    original, _ = _run(tmp_path, buffer.getvalue())
    assert original.mode in ("RGB", "RGBA")


def test_an_animated_gif_keeps_its_first_frame_as_png(tmp_path: Path) -> None:
    frames = [Image.new("P", (30, 30), i) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    original, _ = _run(tmp_path, buffer.getvalue())
    assert original.format == "PNG" and getattr(original, "n_frames", 1) == 1


def test_a_refused_file_leaves_no_output(tmp_path: Path) -> None:
    data = media_files.jpeg(300, 200)
    with pytest.raises(MediaError):
        _run(tmp_path, data[: len(data) // 3])
    assert [p.name for p in tmp_path.iterdir()] == ["upload"]


def test_a_bomb_is_refused_without_its_pixels_ever_being_allocated(tmp_path: Path) -> None:
    """In a fresh process, so its peak memory is the refusal's alone: decoding 50,000 x 50,000
    RGB pixels would need 7.5 GB."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(media_files.png_header_only(50_000, 50_000))
    script = textwrap.dedent(
        f"""
        import time
        from chirp.media.processing import Limits, MediaError, process
        started = time.perf_counter()
        try:
            process({str(bomb)!r}, {str(tmp_path)!r}, Limits(33_177_600, 8_294_400, 230_400))
        except MediaError as exc:
            print(exc.message)
        print(time.perf_counter() - started)
        # VmHWM belongs to this image: ru_maxrss may carry the forking parent's peak over exec.
        print(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.splitlines()
    assert "more than 33,177,600 pixels" in out[0]
    assert float(out[1]) < 1.0
    assert int(out[2]) < 200 * 1024  # kilobytes: the interpreter and Pillow, nothing more
