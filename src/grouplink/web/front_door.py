"""``GET /``: what this server is, for whoever asks. A browser gets a page with the
way in (the console, the API reference); an API client gets the same facts as JSON.

The choice follows ``Accept``: a client that prefers ``text/html`` to JSON is a
browser. curl, httpx and SDKs send ``*/*`` or ``application/json`` and get JSON.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from grouplink import __version__
from grouplink.graph.deps import CURRENT_VERSION
from grouplink.settings import Settings
from grouplink.web.templating import render

router = APIRouter(tags=["Operations"])


class ServerInfo(BaseModel):
    """Where each door of this server is."""

    name: str = Field(examples=["grouplink"])
    version: str = Field(description="The grouplink release that answers.")
    graph_api: str = Field(
        description="Base URL of the Graph API: use it where Meta's code says "
        "https://graph.facebook.com/v23.0."
    )
    openapi: str = Field(description="The API's OpenAPI description.")
    api_reference: str = Field(description="The API reference, for people.")
    console: str = Field(description="The admin console.")
    sandbox: bool = Field(description="Whether the /sandbox test helpers are on.")


def server_info(settings: Settings) -> ServerInfo:
    base = settings.resolved_public_url
    return ServerInfo(
        name="grouplink",
        version=__version__,
        graph_api=f"{base}/{CURRENT_VERSION}",
        openapi=f"{base}/openapi.json",
        api_reference=f"{base}/docs",
        console=f"{base}/console",
        sandbox=settings.sandbox_enabled,
    )


def prefers_html(accept: str) -> bool:
    """Whether ``text/html`` is worth more to the client than ``application/json``."""
    html = json = 0.0
    for item in accept.split(","):
        kind, _, params = item.strip().partition(";")
        quality = _quality(params)
        kind = kind.strip().lower()
        if kind in ("text/html", "application/xhtml+xml"):
            html = max(html, quality)
        elif kind in ("application/json", "application/*", "*/*"):
            json = max(json, quality)
    return html > json


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


_VARY = {"Vary": "Accept"}


@router.get(
    "/",
    response_model=ServerInfo,
    summary="What this server is",
    responses={200: {"content": {"text/html": {}}, "description": "JSON, or a page for browsers"}},
)
async def front_door(
    request: Request, accept: Annotated[str, Header(include_in_schema=False)] = ""
) -> HTMLResponse | JSONResponse:
    info = server_info(request.app.state.settings)
    if prefers_html(accept):
        page = render("front_door.html", info=info)
        page.headers.update(_VARY)
        return page
    return JSONResponse(info.model_dump(), headers=_VARY)
