"""Group pictures: Meta's rules (JPEG, square, at least 192 px, at most 5 MB), then
decoded and re-encoded, so that what is served is never the file as uploaded.

The frame header is read first, and a picture that declares too many pixels or too
many scans is refused before anything is decoded (decompression bombs). A sequential
JPEG is decoded at 1/2, 1/4 or 1/8 scale where that still gives 640 px, which keeps
even a 16384 x 16384 one to a few MB; a progressive JPEG cannot be decoded at a scale
without all of its coefficients in memory (about 6 bytes a pixel), hence its lower
limit. The result is at most 640 px a side and a 192 px thumbnail, both new JPEGs
with no metadata at all: no EXIF (GPS), no XMP, no comment, no ICC profile (the
colours are converted to sRGB first).
"""

from __future__ import annotations

import hashlib
import io
from contextlib import suppress
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from grouplink.domain.errors import InvalidParameter, PictureNotSquare, PictureTooSmall

MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 192
STORED_SIDE = 640  # as Meta keeps a group's picture
# The link page shows the picture at 112 CSS px: 192 px is sharp there, and no picture
# is smaller (MIN_SIDE), so a thumbnail is never enlarged. Meta's own is 96 px.
THUMBNAIL_SIDE = 192
PICTURE_MIME = "image/jpeg"  # what the picture and its thumbnail are re-encoded as
MAX_PIXELS = 16384 * 16384  # sequential JPEGs, decoded at 1/8 scale: about 12 MB
MAX_PROGRESSIVE_PIXELS = 4096 * 4096  # all coefficients in memory: up to about 100 MB
# libjpeg passes over the whole image once per scan, so a 5 MB file of tiny scans could
# keep a core busy for minutes. Encoders write about 10; each SOS marker counts.
MAX_SCANS = 100
QUALITY = 85

# Pillow's own check (a warning past the limit, an error past twice it) must not refuse
# what the rules below allow; they refuse everything past it before Pillow sees it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_SEQUENTIAL, _PROGRESSIVE = 0xC0, 0xC2  # Huffman-coded; 0xC1 (extended) decodes as 0xC0
_DECODED_FRAMES = {0xC0, 0xC1, _PROGRESSIVE}
# Start-of-frame markers carry the image size; C4, C8 and CC are other segments.
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True, slots=True)
class Picture:
    data: bytes  # the re-encoded JPEG, at most STORED_SIDE px a side
    thumbnail: bytes  # THUMBNAIL_SIDE px, for the link page and its previews
    mime_type: str
    sha256: str  # of the file as uploaded: what the client can match in the webhook
    width: int  # of ``data``
    height: int


@dataclass(frozen=True, slots=True)
class Frame:
    marker: int  # which start-of-frame: sequential, progressive, lossless...
    width: int
    height: int


def jpeg_frame(data: bytes) -> Frame | None:
    """The first frame header of a JPEG, or None if it is not a JPEG."""
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
            return Frame(marker, width, height)
        if length < 2:
            return None
        i += 2 + length
    return None


def validate_picture(data: bytes) -> Picture:
    """Check the rules on the header, then decode, shrink and re-encode the picture.

    CPU work (a large picture takes a fraction of a second): run it in a thread."""
    frame = _check_header(data)
    image = _decode(data, frame)
    image = _upright_srgb(image)
    if image.width > STORED_SIDE:
        image = image.resize((STORED_SIDE, STORED_SIDE), Image.Resampling.LANCZOS)
    thumbnail = image.resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    stored = _encode(image)
    return Picture(
        stored,
        _encode(thumbnail),
        PICTURE_MIME,
        hashlib.sha256(data).hexdigest(),
        image.width,
        image.height,
    )


def _check_header(data: bytes) -> Frame:
    if len(data) > MAX_BYTES:
        raise InvalidParameter("The picture is larger than 5 MB")
    frame = jpeg_frame(data)
    if frame is None:
        raise InvalidParameter("The picture must be a JPEG image")
    width, height = frame.width, frame.height
    if width != height:
        raise PictureNotSquare(f"The picture is {width}x{height} pixels; it must be square")
    if width < MIN_SIDE:
        raise PictureTooSmall(f"The picture is {width}x{height} pixels; the minimum is 192x192")
    if frame.marker not in _DECODED_FRAMES:
        raise InvalidParameter("The picture must be a baseline or progressive JPEG image")
    limit = MAX_PROGRESSIVE_PIXELS if frame.marker == _PROGRESSIVE else MAX_PIXELS
    if width * height > limit:
        side = int(limit**0.5)
        kind = "a progressive JPEG" if frame.marker == _PROGRESSIVE else "a JPEG"
        raise InvalidParameter(
            f"The picture is {width}x{height} pixels; {kind} may have at most {side}x{side}"
        )
    if data.count(b"\xff\xda") > MAX_SCANS:
        raise InvalidParameter(f"The picture has more than {MAX_SCANS} scans")
    return frame


def _decode(data: bytes, frame: Frame) -> Image.Image:
    """The pixels, at the smallest scale that still gives STORED_SIDE px."""
    unreadable = InvalidParameter("The picture could not be decoded: it is not a complete JPEG")
    try:
        image = Image.open(io.BytesIO(data), formats=["JPEG"])
        if image.size != (frame.width, frame.height):
            raise unreadable  # Pillow read another frame than the one checked
        image.draft(image.mode, (STORED_SIDE, STORED_SIDE))
        image.load()  # refuses a file that ends early (ImageFile.LOAD_TRUNCATED_IMAGES)
    except InvalidParameter:
        raise
    except Exception as error:  # Pillow raises OSError, SyntaxError, ValueError and more
        raise unreadable from error
    return image


def _upright_srgb(image: Image.Image) -> Image.Image:
    """Turned as the EXIF orientation says, in sRGB (or grey), with no metadata left."""
    with suppress(Exception):  # a broken EXIF block: keep the picture as it was stored
        image = ImageOps.exif_transpose(image)
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "CMYK"):
        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a profile lcms cannot read: the pixels are taken as sRGB
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.info.clear()  # nothing of the upload's metadata may reach the new file
    return image


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.info.clear()  # a resize copies ``info``; Pillow writes its comment by default
    image.save(out, "JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()
