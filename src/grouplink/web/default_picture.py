"""The picture a group without one shows in link previews: two people on its colour.

Drawn and PNG-encoded here, without an imaging library: the shapes are circles
and half-ellipses, sampled four times per pixel for smooth edges. Drawing takes
about a second of CPU, so the eight colours ship drawn (``static/group-N.png``)
and a worker serves them at full rate from its first request; tests check that
the shipped files are what :func:`draw` makes. After changing the drawing:

    python -m grouplink.web.default_picture    # writes the eight files again
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from pathlib import Path

SIZE = 256
# Backgrounds of the eight tints (same order as the avatar classes in the CSS).
PALETTE: tuple[tuple[int, int, int], ...] = (
    (0x00, 0x6B, 0x58),
    (0x1F, 0x5F, 0x99),
    (0x7A, 0x3E, 0x9D),
    (0xA3, 0x3D, 0x5C),
    (0x9A, 0x4A, 0x12),
    (0x3B, 0x6E, 0x1E),
    (0x2E, 0x5A, 0x6E),
    (0x5B, 0x4A, 0x8A),
)
_SAMPLES = ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75))

Shape = Callable[[float, float], bool]


def _person(cx: float, top: float, scale: float, grow: float = 0) -> Shape:
    """A head over a half-ellipse body; ``grow`` widens it (for the gap between two)."""
    head_r, head_cy = 34 * scale + grow, top + 34 * scale
    body_cy, body_rx, body_ry = top + 150 * scale, 66 * scale + grow, 70 * scale + grow

    def inside(x: float, y: float) -> bool:
        if (x - cx) ** 2 + (y - head_cy) ** 2 <= head_r**2:
            return True
        return y <= body_cy and ((x - cx) / body_rx) ** 2 + ((y - body_cy) / body_ry) ** 2 <= 1

    return inside


_FRONT = _person(cx=106, top=54, scale=1.0)
_FRONT_GAP = _person(cx=106, top=54, scale=1.0, grow=7)
_BACK = _person(cx=164, top=48, scale=0.82)


@cache
def _coverage() -> tuple[tuple[float, float], ...]:
    """Per pixel: how much of it the front person covers, and the back person."""
    cells = []
    for y in range(SIZE):
        for x in range(SIZE):
            front = back = 0
            for dx, dy in _SAMPLES:
                px, py = x + dx, y + dy
                if _FRONT(px, py):
                    front += 1
                elif _BACK(px, py) and not _FRONT_GAP(px, py):
                    back += 1
            cells.append((front / 4, back / 4))
    return tuple(cells)


def _mix(base: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    r, g, b = base
    return (
        round(r + (255 - r) * amount),
        round(g + (255 - g) * amount),
        round(b + (255 - b) * amount),
    )


def shipped_name(tint: int) -> str:
    return f"group-{tint % len(PALETTE)}.png"


@cache
def default_picture(tint: int) -> bytes:
    """The shipped PNG for colour ``tint`` (0..7), read once per process."""
    return (files("grouplink.web") / "static" / shipped_name(tint)).read_bytes()


def draw(tint: int) -> bytes:
    """A PNG of SIZE x SIZE pixels for colour ``tint`` (0..7)."""
    base = PALETTE[tint % len(PALETTE)]
    coverage = _coverage()
    rows = bytearray()
    for y in range(SIZE):
        rows.append(0)  # filter: none
        for front, back in coverage[y * SIZE : (y + 1) * SIZE]:
            rows.extend(_mix(base, front * 1.0 + back * 0.55))
    return _png(SIZE, SIZE, bytes(rows))


def _png(width: int, height: int, raw_rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw_rows, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    folder = Path(str(files("grouplink.web") / "static"))
    for tint in range(len(PALETTE)):
        (folder / shipped_name(tint)).write_bytes(draw(tint))
        print(f"wrote {folder / shipped_name(tint)}")


if __name__ == "__main__":
    main()
