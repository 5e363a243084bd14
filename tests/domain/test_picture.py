from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from grouplink.domain.errors import InvalidParameter, PictureNotSquare, PictureTooSmall
from grouplink.domain.picture import (
    MAX_BYTES,
    MAX_SCANS,
    STORED_SIDE,
    THUMBNAIL_SIDE,
    jpeg_frame,
    validate_picture,
)
from tests.images import (
    assert_clean_jpeg,
    bluish,
    drawing,
    gray_jpeg,
    header_only_jpeg,
    jpeg,
    photo,
    reddish,
    top_and_bottom,
)


def fake_jpeg(width: int, height: int, *, progressive: bool = False) -> bytes:
    """The markers a JPEG parser reads: SOI, an APP0 segment, then a frame header."""
    app0 = b"\xff\xe0" + (16).to_bytes(2, "big") + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc2" if progressive else b"\xff\xc0"
    frame = sof + (17).to_bytes(2, "big") + b"\x08" + height.to_bytes(2, "big")
    frame += width.to_bytes(2, "big") + b"\x03" + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + frame + b"\xff\xd9"


def test_reads_the_frame_of_baseline_and_progressive_jpegs() -> None:
    baseline = jpeg_frame(fake_jpeg(640, 480))
    progressive = jpeg_frame(fake_jpeg(300, 300, progressive=True))
    assert baseline and (baseline.marker, baseline.width, baseline.height) == (0xC0, 640, 480)
    assert progressive and (progressive.marker, progressive.width) == (0xC2, 300)


def test_a_square_jpeg_of_192_pixels_is_accepted_and_re_encoded() -> None:
    uploaded = jpeg(drawing(192))
    picture = validate_picture(uploaded)
    assert (picture.width, picture.height, picture.mime_type) == (192, 192, "image/jpeg")
    assert picture.sha256 == hashlib.sha256(uploaded).hexdigest()  # names the upload
    assert picture.data != uploaded
    assert_clean_jpeg(picture.data, 192)
    assert_clean_jpeg(picture.thumbnail, THUMBNAIL_SIDE)


def test_a_camera_photo_loses_every_piece_of_metadata() -> None:
    uploaded = photo(800)
    assert Image.open(io.BytesIO(uploaded)).getexif().get_ifd(0x8825)  # GPS, as sent
    picture = validate_picture(uploaded)
    stored = assert_clean_jpeg(picture.data, STORED_SIDE)
    assert_clean_jpeg(picture.thumbnail, THUMBNAIL_SIDE)
    top, bottom = top_and_bottom(stored)
    assert reddish(top) and bluish(bottom)


def test_the_exif_orientation_is_applied_before_it_is_stripped() -> None:
    # Orientation 3: the camera was upside down; viewers turn it by 180 degrees.
    picture = validate_picture(photo(400, orientation=3))
    top, bottom = top_and_bottom(assert_clean_jpeg(picture.data, 400))
    assert bluish(top) and reddish(bottom)


def test_a_progressive_picture_is_re_encoded_too() -> None:
    picture = validate_picture(photo(1000, progressive=True))
    assert_clean_jpeg(picture.data, STORED_SIDE)


def test_a_12000_pixel_picture_is_downscaled_to_640() -> None:
    picture = validate_picture(gray_jpeg(12000, 12000))
    image = assert_clean_jpeg(picture.data, STORED_SIDE)
    assert 120 <= image.convert("L").getpixel((320, 320)) <= 136  # still the grey sent
    assert_clean_jpeg(picture.thumbnail, THUMBNAIL_SIDE)


def test_decoding_a_12000_pixel_picture_stays_within_a_few_tens_of_mb(tmp_path: Path) -> None:
    """Decoded at 1/8 scale: the picture's 144 million pixels are never all in memory."""
    path = tmp_path / "big.jpg"
    path.write_bytes(gray_jpeg(12000, 12000))
    # VmHWM: the peak memory of this process (ru_maxrss would carry pytest's over exec).
    script = (
        "import sys\n"
        "from grouplink.domain.picture import validate_picture\n"
        "def peak():\n"
        "    status = open('/proc/self/status').read()\n"
        "    return int(status.split('VmHWM:')[1].split()[0])\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "before = peak()\n"
        "picture = validate_picture(data)\n"
        "print(picture.width, (peak() - before) // 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    width, extra_mb = map(int, done.stdout.split())
    # Decoded at full size it would be 144 MB of grey alone (measured: about 7 MB).
    assert width == STORED_SIDE and extra_mb < 60, extra_mb


def test_a_header_only_jpeg_is_refused() -> None:
    data = header_only_jpeg(640)
    assert len(data) == 17
    with pytest.raises(InvalidParameter) as raised:
        validate_picture(data)
    assert raised.value.code == 100 and "could not be decoded" in raised.value.details


def test_a_truncated_jpeg_is_refused() -> None:
    data = jpeg(drawing(400))
    with pytest.raises(InvalidParameter, match="could not be decoded"):
        validate_picture(data[: len(data) // 2])


def test_too_many_pixels_are_refused_before_decoding() -> None:
    # Only a header: were it decoded, it would fail as incomplete, not as too large.
    with pytest.raises(InvalidParameter, match="at most 16384x16384"):
        validate_picture(fake_jpeg(16392, 16392))
    with pytest.raises(InvalidParameter, match="a progressive JPEG may have at most 4096x4096"):
        validate_picture(fake_jpeg(4100, 4100, progressive=True))


def test_too_many_scans_are_refused_before_decoding() -> None:
    scans = b"\xff\xda" * (MAX_SCANS + 1)
    with pytest.raises(InvalidParameter, match=f"more than {MAX_SCANS} scans"):
        validate_picture(fake_jpeg(1000, 1000, progressive=True)[:-2] + scans + b"\xff\xd9")


def test_lossless_and_arithmetic_jpegs_are_refused() -> None:
    for marker in (0xC3, 0xC9):
        data = bytearray(fake_jpeg(400, 400))
        data[data.index(b"\xff\xc0") + 1] = marker
        with pytest.raises(InvalidParameter, match="baseline or progressive"):
            validate_picture(bytes(data))


def test_not_square_is_131209() -> None:
    with pytest.raises(PictureNotSquare) as raised:
        validate_picture(jpeg(Image.new("RGB", (640, 480))))
    assert raised.value.code == 131209


def test_too_small_is_131210() -> None:
    with pytest.raises(PictureTooSmall) as raised:
        validate_picture(jpeg(drawing(191)))
    assert raised.value.code == 131210


def test_not_a_jpeg_and_too_large_are_invalid_parameters() -> None:
    png = io.BytesIO()
    drawing(300).save(png, "PNG")
    with pytest.raises(InvalidParameter, match="must be a JPEG"):
        validate_picture(png.getvalue())
    with pytest.raises(InvalidParameter, match="larger than 5 MB"):
        validate_picture(jpeg(drawing(200)) + b"\x00" * MAX_BYTES)
