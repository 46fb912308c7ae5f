"""Checking and shrinking an uploaded photo or certificate scan (D11, SEC6). Pure: bytes in,
bytes out, no Flask and no database.

The content decides, never the file name or the browser's Content-Type: only JPEG and PNG
are accepted, decompression bombs and truncated files are refused, EXIF and every other
metadata are dropped (the image is re-encoded from its pixels).

A polyglot (an image that is also an HTML page, a script or an archive, e.g. a JPEG with a
page or a ZIP appended, a "GIFAR") is refused outright, although re-encoding would drop the
payload: bytes after the image's end, or markup or an archive header anywhere in the file,
have no business in a photo and tell of a crafted file.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
PHOTO_SIZE = (260, 364)  # 5:7, the 2-inch (35 × 49 mm) ratio; about 20 KB as JPEG
SCAN_MAX = 1600  # certificate scans keep enough detail to read

#: Issue 14: what one upload may cost to decode. A 2-inch photo needs a few hundred pixels a
#: side. A JPEG is decoded at the smallest scale the DCT allows that still covers what is kept
#: (``draft``: 1/2, 1/4 or 1/8), so even a 50-megapixel phone photo decodes to a few MB; a PNG
#: is decoded whole (8 bytes a pixel at 16 bits), so it may hold at most a 12-megapixel
#: phone photo (4096 × 3072).
JPEG_MAX_PIXELS = 52_000_000
PNG_MAX_PIXELS = 4096 * 3072
#: at most two decodes at once in a process (a burst of uploads queues instead of piling up)
DECODES = threading.BoundedSemaphore(2)


class PhotoError(ValueError):
    """``key`` names the message shown to the doctor."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Processed:
    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


#: what marks a file as also being something else (markup, script, archive, executable)
#: (not "<?xml": the XMP metadata of real phone photos may hold it)
FOREIGN = (
    b"<script",
    b"<html",
    b"<body",
    b"<svg",
    b"<iframe",
    b"<?php",
    b"<!doctype",
    b"javascript:",
    b"pk\x03\x04",
    b"pk\x05\x06",
    b"mz\x90\x00",
)


def _trailing(raw: bytes, fmt: str) -> bool:
    """Bytes after the image's end: the IEND chunk of a PNG, the EOI marker of a JPEG
    (zero padding, which some cameras add, is allowed)."""
    if fmt == "PNG":
        end = raw.rfind(b"IEND")
        return end < 0 or end + 8 != len(raw)
    return not raw.rstrip(b"\x00").endswith(b"\xff\xd9")


def _polyglot(raw: bytes, fmt: str) -> bool:
    lowered = raw.lower()
    return _trailing(raw, fmt) or any(marker in lowered for marker in FOREIGN)


def _open(raw: bytes, needed: tuple[int, int]) -> Image.Image:
    """The upload's pixels, at least ``needed`` in size where the file allows (a JPEG is
    decoded reduced); refused when it is not a whole JPEG or PNG within the caps."""
    if not raw:
        raise PhotoError("empty")
    if len(raw) > MAX_BYTES:
        raise PhotoError("too_big")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(raw))
            if probe.format not in ("JPEG", "PNG"):
                raise PhotoError("type")
            cap = JPEG_MAX_PIXELS if probe.format == "JPEG" else PNG_MAX_PIXELS
            if probe.width * probe.height > cap:
                raise PhotoError("too_many_pixels")
            probe.verify()  # structure check; the image must be opened again after it
            if _polyglot(raw, probe.format):
                raise PhotoError("polyglot")
            with DECODES:
                image = Image.open(io.BytesIO(raw))
                if image.format == "JPEG":
                    image.draft(None, needed)  # decoded at a reduced scale, never below needed
                image.load()  # decodes every pixel: a truncated file fails here
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoError("too_many_pixels") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise PhotoError("broken") from None
    return ImageOps.exif_transpose(image)


def _jpeg(image: Image.Image, quality: int) -> Processed:
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    image.save(
        out, "JPEG", quality=quality, optimize=True, progressive=True
    )  # no exif= : metadata gone
    return Processed(out.getvalue(), image.width, image.height)


def process_photo(raw: bytes) -> Processed:
    """D11: a recent photo, cropped to the 2-inch ratio around the centre and made small."""
    image = _open(raw, (PHOTO_SIZE[0] * 2, PHOTO_SIZE[1] * 2))
    if image.width < 150 or image.height < 200:
        raise PhotoError("too_small")
    return _jpeg(
        ImageOps.fit(image, PHOTO_SIZE, Image.Resampling.LANCZOS, centering=(0.5, 0.4)), 82
    )


def process_scan(raw: bytes) -> Processed:
    """A certificate scan (R1 general-practice training, R3 training): readable, not huge."""
    image = _open(raw, (SCAN_MAX, SCAN_MAX))
    image.thumbnail((SCAN_MAX, SCAN_MAX), Image.Resampling.LANCZOS)
    return _jpeg(image, 80)
