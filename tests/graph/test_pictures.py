"""Group pictures over real HTTP, on both backends: what is uploaded is decoded and
re-encoded, stored at most 640 px with a 192 px thumbnail that link previews serve, and
nothing of the upload's metadata (EXIF GPS) is ever served."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import sqlalchemy as sa
from PIL import Image

from grouplink.domain.picture import STORED_SIDE, THUMBNAIL_SIDE
from grouplink.services.core import Core
from grouplink.store.tables import group_pictures, groups
from tests.conftest import Server
from tests.graph.helpers import WHATSAPP, assert_envelope, http
from tests.images import (
    assert_clean_jpeg,
    bluish,
    gray_jpeg,
    header_only_jpeg,
    jpeg,
    photo,
    reddish,
    top_and_bottom,
)
from tests.support import Business, create_group, with_core


def upload(api: httpx.Client, group_id: str, picture: bytes, **fields: str) -> httpx.Response:
    files = {"profile_picture_file": ("picture.jpg", picture, "image/jpeg")}
    return api.post(f"/{group_id}", data={**WHATSAPP, **fields}, files=files)


def stored(server: Server, group_id: str) -> tuple[str | None, bytes | None, bytes | None]:
    """The group's ``picture_sha256``, stored picture and thumbnail, as in the database."""

    async def read(core: Core) -> Any:
        query = (
            sa.select(groups.c.picture_sha256, group_pictures.c.data, group_pictures.c.thumbnail)
            .outerjoin(group_pictures, group_pictures.c.group_pk == groups.c.pk)
            .where(groups.c.id == group_id)
        )
        async with core.db.read() as conn:
            return (await conn.execute(query)).one()

    row = with_core(server.database_url, read)
    return row.picture_sha256, row.data, row.thumbnail


def preview(biz: Business, code: str) -> httpx.Response:
    return http().get(f"{biz.root}/pictures/{code}")


def test_a_photo_with_gps_is_stored_and_previewed_without_any_metadata(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz, subject="Hikers")
    sent = photo(1000)
    assert upload(api, group["id"], sent).status_code == 200

    sha256, data, thumbnail = stored(server, group["id"])
    assert sha256 == hashlib.sha256(sent).hexdigest()  # names the upload, as the webhook does
    assert data is not None and thumbnail is not None
    top, bottom = top_and_bottom(assert_clean_jpeg(data, STORED_SIDE))
    assert reddish(top) and bluish(bottom)  # the same picture, only smaller
    assert_clean_jpeg(thumbnail, THUMBNAIL_SIDE)

    # The link page's picture and its preview card (og:image) get the thumbnail.
    served = preview(biz, group["code"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.content == thumbnail
    top, bottom = top_and_bottom(assert_clean_jpeg(served.content, THUMBNAIL_SIDE))
    assert reddish(top) and bluish(bottom)


def test_a_12000_pixel_picture_is_downscaled_to_640(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    answer = upload(api, group["id"], gray_jpeg(12000, 12000))
    assert answer.status_code == 200, answer.text
    _sha256, data, _thumbnail = stored(server, group["id"])
    assert data is not None
    assert_clean_jpeg(data, STORED_SIDE)
    assert_clean_jpeg(preview(biz, group["code"]).content, THUMBNAIL_SIDE)


def test_a_picture_of_640_or_less_keeps_its_size(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    assert upload(api, group["id"], photo(300)).status_code == 200
    _sha256, data, thumbnail = stored(server, group["id"])
    assert data is not None and thumbnail is not None
    assert_clean_jpeg(data, 300)  # never enlarged
    assert_clean_jpeg(thumbnail, THUMBNAIL_SIDE)


def test_a_header_only_jpeg_is_refused_with_the_envelope_and_changes_nothing(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz, subject="Unchanged")
    good = photo(400)
    assert upload(api, group["id"], good).status_code == 200

    fake = header_only_jpeg(640)
    assert len(fake) == 17
    error = assert_envelope(upload(api, group["id"], fake, subject="Not applied"), 400, 100)
    assert "could not be decoded" in error["error_data"]["details"]
    assert stored(server, group["id"])[0] == hashlib.sha256(good).hexdigest()
    subject = api.get(f"/{group['id']}", params={"fields": "subject"}).json()["subject"]
    assert subject == "Unchanged"


def test_pictures_that_break_the_rules_get_their_codes(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    refusals = [
        (header_only_jpeg(20000), 100, "a JPEG may have at most 16384x16384"),
        (jpeg(Image.new("RGB", (800, 600))), 131209, "800x600 pixels; it must be square"),
        (photo(100), 131210, "100x100 pixels; the minimum is 192x192"),
    ]
    for picture, code, details in refusals:
        error = assert_envelope(upload(api, group["id"], picture), 400, code)
        assert details in error["error_data"]["details"], error
    assert stored(server, group["id"]) == (None, None, None)
    assert preview(biz, group["code"]).headers["content-type"] == "image/png"  # the default
