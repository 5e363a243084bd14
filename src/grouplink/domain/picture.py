"""Group pictures: JPEG, square, at least 192 px, at most 5 MB (Meta's rules)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from grouplink.domain.errors import InvalidParameter, PictureNotSquare, PictureTooSmall

MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 192
# Start-of-frame markers carry the image size; C4, C8 and CC are other segments.
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True, slots=True)
class Picture:
    data: bytes
    mime_type: str
    sha256: str
    width: int
    height: int


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header, or None if it is not a JPEG."""
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in _SOF_MARKERS:
            if i + 9 > len(data):
                return None
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        if length < 2:
            return None
        i += 2 + length
    return None


def validate_picture(data: bytes) -> Picture:
    if len(data) > MAX_BYTES:
        raise InvalidParameter("The picture is larger than 5 MB")
    size = jpeg_size(data)
    if size is None:
        raise InvalidParameter("The picture must be a JPEG image")
    width, height = size
    if width != height:
        raise PictureNotSquare(f"The picture is {width}x{height} pixels; it must be square")
    if width < MIN_SIDE:
        raise PictureTooSmall(f"The picture is {width}x{height} pixels; the minimum is 192x192")
    return Picture(data, "image/jpeg", hashlib.sha256(data).hexdigest(), width, height)
