"""Pictures for the tests: real JPEGs made with Pillow (one with EXIF GPS and every other
kind of metadata a camera or an editor writes), a hand-made one of any size that takes
no memory to make, and a header-only "JPEG" that does not decode."""

from __future__ import annotations

import io
import struct

from PIL import Image, ImageCms, ImageDraw

# Where the picture was taken, as a phone writes it: 48°51'29.6"N 2°17'40.2"E.
GPS = {1: "N", 2: (48.0, 51.0, 29.6), 3: "E", 4: (2.0, 17.0, 40.2)}
SECRET = "Taken at home, 12 Rue Example"  # in the comment, the EXIF and the XMP
_XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    f'22-rdf-syntax-ns#"><rdf:Description>{SECRET}</rdf:Description></rdf:RDF></x:xmpmeta>'
)


def drawing(side: int) -> Image.Image:
    """A square picture with a red top half and a blue bottom half (orientation shows)."""
    image = Image.new("RGB", (side, side), (20, 60, 200))
    ImageDraw.Draw(image).rectangle((0, 0, side, side // 2), fill=(220, 30, 30))
    return image


def jpeg(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def photo(side: int = 800, *, orientation: int = 1, progressive: bool = False) -> bytes:
    """A camera's JPEG: EXIF with GPS, an orientation and the camera's name, XMP, a
    comment and an ICC profile, all of which must be gone from what is served."""
    exif = Image.Exif()
    exif[0x010F] = "ExampleCam"  # Make
    exif[0x0112] = orientation
    exif[0x010E] = SECRET  # ImageDescription
    exif[0x8825] = GPS  # the GPS IFD
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return jpeg(
        drawing(side),
        exif=exif.tobytes(),
        xmp=_XMP.encode(),
        comment=SECRET,
        icc_profile=profile,
        progressive=progressive,
    )


def header_only_jpeg(side: int = 640) -> bytes:
    """17 bytes: start of image, a frame header that declares ``side`` x ``side`` pixels,
    end of image. Nothing to decode."""
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, side, side, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + frame + b"\xff\xd9"


def gray_jpeg(width: int, height: int) -> bytes:
    """A decodable baseline grayscale JPEG, every pixel 128, made without an image in
    memory (a 12000 x 12000 one is 0.5 MB and takes no time).

    One Huffman code (length 1) per table: each 8x8 block is "DC diff 0, EOB",
    two zero bits, so the scan is a run of zero bytes padded with one bits.
    """

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    one_code = bytes([1] + [0] * 15) + b"\x00"
    bits = 2 * (-(-width // 8)) * (-(-height // 8))
    scan = bytearray(-(-bits // 8))
    if bits % 8:
        scan[-1] = (1 << (8 - bits % 8)) - 1
    return b"".join(
        [
            b"\xff\xd8",
            segment(0xDB, b"\x00" + b"\x01" * 64),
            segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
            segment(0xC4, b"\x00" + one_code),
            segment(0xC4, b"\x10" + one_code),
            segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
            bytes(scan),
            b"\xff\xd9",
        ]
    )


def assert_clean_jpeg(data: bytes, side: int) -> Image.Image:
    """``data`` is a ``side`` px square JPEG with no metadata at all: what grouplink serves."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (side, side), (image.format, image.size)
    assert not image.getexif(), dict(image.getexif())
    kept = set(image.info) & {"exif", "xmp", "comment", "icc_profile", "photoshop", "mp"}
    assert not kept, kept
    # Nor anywhere in the bytes: no segment but JFIF's and the image's own, no GPS text.
    assert header_markers(data) <= {0xE0, 0xDB, 0xC0, 0xC4}, sorted(header_markers(data))
    assert b"Exif" not in data and b"ExampleCam" not in data and SECRET.encode() not in data
    image.load()
    return image


def header_markers(data: bytes) -> set[int]:
    """The markers of a JPEG's segments before its first scan (APP1 is EXIF or XMP, APP2
    an ICC profile, FE a comment)."""
    assert data.startswith(b"\xff\xd8")
    found, i = set(), 2
    while data[i + 1] != 0xDA:
        assert data[i] == 0xFF, i
        found.add(data[i + 1])
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return found


def top_and_bottom(image: Image.Image) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The colours at the middle of the top and bottom quarters."""
    rgb = image.convert("RGB")
    side = rgb.width
    top, bottom = rgb.getpixel((side // 2, side // 4)), rgb.getpixel((side // 2, 3 * side // 4))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    return top, bottom


def reddish(colour: tuple[int, ...]) -> bool:
    return colour[0] > 150 and colour[2] < 100


def bluish(colour: tuple[int, ...]) -> bool:
    return colour[2] > 150 and colour[0] < 100
