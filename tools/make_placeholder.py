"""Write the neutral display image used when a specification gives none.

A plain A4-proportioned page (595 x 842 px) with a thin grey frame, encoded as
PNG with zlib: ``python tools/make_placeholder.py``.
"""

import struct
import zlib
from pathlib import Path

WIDTH, HEIGHT, FRAME = 595, 842, 24


def chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def row(y: int) -> bytes:
    pixels = bytearray()
    for x in range(WIDTH):
        edge = FRAME <= x < WIDTH - FRAME and FRAME <= y < HEIGHT - FRAME
        border = edge and (
            x in (FRAME, WIDTH - FRAME - 1) or y in (FRAME, HEIGHT - FRAME - 1)
        )
        pixels.append(0x80 if border else 0xFF)
    return b"\x00" + bytes(pixels)


raw = b"".join(row(y) for y in range(HEIGHT))
png = (
    b"\x89PNG\r\n\x1a\n"
    + chunk(b"IHDR", struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 0, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(raw, 9))
    + chunk(b"IEND", b"")
)
target = Path(__file__).parents[1] / "src/aurora_edc/data/display-placeholder.png"
target.parent.mkdir(parents=True, exist_ok=True)
target.write_bytes(png)
print(f"{len(png)} bytes -> {target}")
