from __future__ import annotations

import pytest

from grouplink.domain.errors import InvalidParameter, PictureNotSquare, PictureTooSmall
from grouplink.domain.picture import MAX_BYTES, jpeg_size, validate_picture


def fake_jpeg(width: int, height: int, *, progressive: bool = False) -> bytes:
    """The markers a JPEG parser reads: SOI, an APP0 segment, then a frame header."""
    app0 = b"\xff\xe0" + (16).to_bytes(2, "big") + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc2" if progressive else b"\xff\xc0"
    frame = sof + (17).to_bytes(2, "big") + b"\x08" + height.to_bytes(2, "big")
    frame += width.to_bytes(2, "big") + b"\x03" + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + frame + b"\xff\xd9"


def test_reads_the_size_of_baseline_and_progressive_jpegs() -> None:
    assert jpeg_size(fake_jpeg(640, 480)) == (640, 480)
    assert jpeg_size(fake_jpeg(300, 300, progressive=True)) == (300, 300)


def test_a_square_jpeg_of_192_pixels_is_accepted() -> None:
    picture = validate_picture(fake_jpeg(192, 192))
    assert (picture.width, picture.height, picture.mime_type) == (192, 192, "image/jpeg")
    assert len(picture.sha256) == 64


def test_not_square_is_131209() -> None:
    with pytest.raises(PictureNotSquare) as raised:
        validate_picture(fake_jpeg(640, 480))
    assert raised.value.code == 131209


def test_too_small_is_131210() -> None:
    with pytest.raises(PictureTooSmall) as raised:
        validate_picture(fake_jpeg(191, 191))
    assert raised.value.code == 131210


def test_not_a_jpeg_and_too_large_are_invalid_parameters() -> None:
    with pytest.raises(InvalidParameter):
        validate_picture(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(InvalidParameter):
        validate_picture(fake_jpeg(200, 200) + b"\x00" * MAX_BYTES)
