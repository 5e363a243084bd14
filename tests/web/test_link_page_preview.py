"""What the link page tells unfurlers about its picture (og:image's size and type, so a
preview is laid out before the picture arrives), and what its lines say will happen."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import httpx
from PIL import Image

from grouplink.domain.picture import THUMBNAIL_SIDE
from tests.graph.helpers import WHATSAPP, approval_group
from tests.images import photo
from tests.support import Business, create_group


def served(url: str) -> tuple[str, tuple[int, int]]:
    """The content type of the picture at ``url`` and its size in pixels."""
    answer = httpx.get(url, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.headers["content-type"], Image.open(BytesIO(answer.content)).size


def test_og_image_says_the_size_and_type_of_the_picture_it_names(
    api: httpx.Client, biz: Business, people: Any
) -> None:
    group = create_group(api, biz, subject="Photographers")
    drawn = people().open(group["code"]).og  # no picture yet: the drawn default
    assert (drawn["og:image:type"], drawn["og:image:width"], drawn["og:image:height"]) == (
        "image/png",
        "256",
        "256",
    )
    assert served(drawn["og:image"]) == ("image/png", (256, 256))

    answer = api.post(
        f"/{group['id']}",
        data=WHATSAPP,
        files={"profile_picture_file": ("p.jpg", photo(800), "image/jpeg")},
    )
    assert answer.status_code == 200, answer.text
    og = people().open(group["code"]).og
    side = str(THUMBNAIL_SIDE)
    assert (og["og:image:type"], og["og:image:width"], og["og:image:height"]) == (
        "image/jpeg",
        side,
        side,
    )
    assert served(og["og:image"]) == ("image/jpeg", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))


def test_the_link_page_says_what_joining_does(
    api: httpx.Client, biz: Business, people: Any
) -> None:
    open_group = create_group(api, biz)
    page = people().open(open_group["code"])
    assert page.state == "join"
    assert (
        "You join at once: nobody approves new participants here. "
        "The group's participants will see your phone number." in page.text
    )
    assert "Anyone with this link can join" not in page.text

    asking = approval_group(api, biz)
    page = people().open(asking["code"])
    assert page.state == "ask"
    assert (
        "An admin approves new participants: the admins see your request and your phone "
        "number, and you're in once one approves it." in page.text
    )
