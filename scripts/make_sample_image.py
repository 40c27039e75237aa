"""Draw the demo's sample image (an audience at an evening lecture) as a small PNG.

The demo must not point at a host that does not exist, nor at a third party's image:
this script makes the picture from simple shapes, with the standard library only, so
anyone can see where it came from and make it again. Run from the project folder:

    .venv/bin/python scripts/make_sample_image.py

It writes ``src/tryggnews/sample/oppen-forelasning.png`` (the same bytes every run).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

WIDTH, HEIGHT = 600, 300
TARGET = Path(__file__).resolve().parents[1] / "src/tryggnews/sample/oppen-forelasning.png"

WALL = (226, 235, 243)
FLOOR = (188, 160, 128)
STAGE = (120, 86, 60)
SCREEN = (255, 255, 255)
SCREEN_EDGE = (60, 76, 96)
SLIDE = (0, 73, 135)  # the newsletter's dark blue
SPEAKER = (200, 60, 50)
SKIN = (236, 196, 160)
HAIR = ((70, 50, 40), (150, 110, 60), (30, 30, 30), (200, 180, 140), (110, 70, 50))
COATS = ((40, 90, 140), (90, 130, 80), (150, 80, 110), (200, 150, 60), (80, 80, 90))

Colour = tuple[int, int, int]


def _pixel(x: int, y: int) -> Colour:
    colour: Colour = WALL if y < 170 else FLOOR
    if 60 <= y < 170 and 250 <= x < 350 and y >= 150:
        colour = STAGE
    # The screen with a slide: a title bar and three lines of text.
    if 30 <= x < 230 and 30 <= y < 140:
        colour = SCREEN_EDGE if x in (30, 229) or y in (30, 139) else SCREEN
        if 45 <= x < 215 and 45 <= y < 62:
            colour = SLIDE
        for top in (78, 96, 114):
            if 45 <= x < 190 - (top - 78) and top <= y < top + 6:
                colour = SCREEN_EDGE
    # The speaker on the stage: body and head.
    if 280 <= x < 320 and 95 <= y < 160:
        colour = SPEAKER
    if (x - 300) ** 2 + (y - 80) ** 2 <= 15**2:
        colour = SKIN
    # Rows of listeners seen from behind, nearer rows lower and larger.
    for row, (top, radius, count) in enumerate(((185, 14, 9), (225, 18, 7), (270, 23, 6))):
        spacing = WIDTH // count
        for seat in range(count):
            cx = spacing // 2 + seat * spacing + (row % 2) * spacing // 4
            shade = (row * 3 + seat) % len(COATS)
            if abs(x - cx) <= radius + 6 and top + radius // 2 <= y:
                colour = COATS[shade]
            if (x - cx) ** 2 + (y - top) ** 2 <= radius**2:
                colour = HAIR[(row + seat * 2) % len(HAIR)]
    return colour


def png_bytes() -> bytes:
    rows = bytearray()
    for y in range(HEIGHT):
        rows.append(0)  # filter type: none
        for x in range(WIDTH):
            rows.extend(_pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    TARGET.write_bytes(png_bytes())
    print(f"{TARGET} ({TARGET.stat().st_size} bytes)")
