"""A group without a picture: its link preview serves the shipped default picture
(the package's static/group-N.png, not one drawn by the worker) in the colour of the
avatar its link page shows."""

from __future__ import annotations

import re
from importlib.resources import files
from io import BytesIO
from typing import Any

import httpx
from PIL import Image

from tests.support import Business, create_group


def css_tints() -> dict[int, tuple[int, int, int]]:
    """The avatar colours of the stylesheet: ``.tint-N { background: #rrggbb; }``."""
    css = (files("grouplink.web") / "static" / "grouplink.css").read_text()
    found = re.findall(r"\.tint-(\d) \{ background: #([0-9a-f]{6}); \}", css)
    colours = {}
    for n, hex_colour in found:
        red, green, blue = bytes.fromhex(hex_colour)
        colours[int(n)] = (red, green, blue)
    return colours


def test_a_group_without_a_picture_previews_the_shipped_one_in_its_avatar_colour(
    api: httpx.Client, biz: Business, people: Any
) -> None:
    colours = css_tints()
    assert sorted(colours) == list(range(8))
    for subject in ("Choir", "Chess club", "Allotment"):
        group = create_group(api, biz, subject=subject)
        page = people().open(group["code"])
        shown = re.search(r'class="avatar initials tint-(\d)"', page.html)
        assert shown is not None, page.html
        tint = int(shown.group(1))

        answer = httpx.get(page.og["og:image"], timeout=30)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/png"
        shipped = (files("grouplink.web") / "static" / f"group-{tint}.png").read_bytes()
        assert answer.content == shipped
        corner = Image.open(BytesIO(answer.content)).convert("RGB").getpixel((2, 2))
        assert corner == colours[tint]  # the preview card and the page agree on the colour
