"""Worst-case uploads, made without holding their pixels: a 16-bit RGBA PNG written chunk by
chunk (its rows compress to almost nothing), and a large JPEG."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png16(width: int, height: int) -> bytes:
    """A valid 16-bit RGBA PNG of ``width`` × ``height`` (8 bytes a pixel once decoded)."""
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    row = b"\x00" + bytes(range(256)) * (width * 8 // 256) + b"\x00" * (width * 8 % 256)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int, quality: int = 30) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 140, 160)).save(out, "JPEG", quality=quality)
    return out.getvalue()
