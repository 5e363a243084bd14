"""Where a page may send the browser next: only back to a path of this site."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.responses import RedirectResponse

_SAFE_PATH = re.compile(r"^/[A-Za-z0-9_\-/]{0,200}$")
HOME = "/signin"


def safe_next(raw: str | None) -> str:
    """``raw`` if it is a plain path here (no scheme, host or ``//``), else the home page."""
    if raw and _SAFE_PATH.match(raw) and not raw.startswith("//"):
        return raw
    return HOME


def link_path(code: str, done: str | None = None) -> str:
    path = "/" + quote(code, safe="")
    return f"{path}?done={done}" if done else path


def see_other(url: str) -> RedirectResponse:
    """After a form post, the browser fetches the next page with GET (no resubmit on reload)."""
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
