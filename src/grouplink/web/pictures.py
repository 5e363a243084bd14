"""``/pictures/{CODE}``: a working link's group picture, for the page and link previews.

A group without a picture gets a drawn default in its colour; a link that does
not work gets the same 404 as any unknown path.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from grouplink.services import link_preview
from grouplink.services.throttle import Hit
from grouplink.web.context import WebDep, client_address
from grouplink.web.default_picture import default_picture
from grouplink.web.errors import error_page
from grouplink.web.format import tint

router = APIRouter(include_in_schema=False)

# Short: a reset must stop the picture showing soon, and the URL carries a version.
CACHE = "public, max-age=300"


@router.api_route("/pictures/{code}", methods=["GET", "HEAD"])
async def group_picture(code: str, request: Request, web: WebDep) -> Response:
    await web.throttle.check_view(
        Hit(web.settings.rate_link_page, "picture", client_address(request))
    )
    found = await link_preview.picture(web.core, code)
    if found is None:
        return error_page(404)
    return picture_response(found.image, found.group.key, CACHE)


def picture_response(image: tuple[str, bytes] | None, key: str, cache: str) -> Response:
    """A group's picture, or without one the default drawn in the group's colour."""
    headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    if image is None:
        return Response(default_picture(tint(key)), 200, headers, "image/png")
    mime, data = image
    return Response(data, 200, headers, mime)
