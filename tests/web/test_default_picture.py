"""The default group pictures ship drawn (src/grouplink/web/static/group-N.png), so a
worker serves them from its first request: each file is exactly what the drawing
code makes today (run `python -m grouplink.web.default_picture` after changing it)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from grouplink.web.default_picture import PALETTE, SIZE, default_picture, draw


@pytest.mark.parametrize("tint", range(len(PALETTE)))
def test_each_shipped_picture_is_what_the_drawing_makes(tint: int) -> None:
    shipped = default_picture(tint)
    assert shipped == draw(tint), "run: python -m grouplink.web.default_picture"
    image = Image.open(io.BytesIO(shipped))
    assert (image.format, image.size) == ("PNG", (SIZE, SIZE))
    assert image.getpixel((2, 2)) == PALETTE[tint]  # its corner is the group's colour
