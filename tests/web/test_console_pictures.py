"""A group picture set in the console's Settings: re-encoded as through the Graph API,
and a file that does not decode is refused with words, not stored."""

from __future__ import annotations

import httpx

from grouplink.domain.picture import STORED_SIDE, THUMBNAIL_SIDE
from tests.graph.helpers import http
from tests.images import assert_clean_jpeg, header_only_jpeg, photo
from tests.support import Business, create_group
from tests.web import test_console
from tests.web.pages import Page
from tests.web.test_console import Admin

admin, browsers = test_console.admin, test_console.browsers


def send_picture(admin: Admin, group_id: str, picture: bytes) -> httpx.Response:
    settings = f"/console/groups/{group_id}/settings"
    form = admin.screen(group_id, "settings").form(settings)
    files = {"picture": ("from-my-phone.jpg", picture, "image/jpeg")}
    return admin.client.post(settings, data=form.fields, files=files)


def test_a_photo_from_the_console_is_served_without_its_gps(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz, subject="Climbers")
    saved = send_picture(admin, group["id"], photo(1200))
    assert "Settings saved." in admin.follow(saved).text

    shown = admin.client.get(f"/console/groups/{group['id']}/picture")
    assert shown.status_code == 200
    assert_clean_jpeg(shown.content, STORED_SIDE)
    previewed = http().get(f"{biz.root}/pictures/{group['code']}")
    assert previewed.status_code == 200
    assert_clean_jpeg(previewed.content, THUMBNAIL_SIDE)


def test_a_header_only_jpeg_is_refused_in_words(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    refused = send_picture(admin, group["id"], header_only_jpeg(640))
    assert refused.status_code == 400
    page = Page(refused)
    assert "The picture could not be decoded: it is not a complete JPEG" in page.text
    # Nothing was stored: the group still shows its drawn default.
    default = admin.client.get(f"/console/groups/{group['id']}/picture")
    assert default.headers["content-type"] == "image/png"
