"""Error pages for the web door: a human sentence, never the Graph envelope."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from grouplink.domain.errors import (
    DomainError,
    GroupSuspended,
    GroupUnknown,
    NotAllowed,
    Unavailable,
    UnusableText,
)
from grouplink.web.templating import render


class FormRefused(DomainError):
    """A form post without a valid CSRF token: another site's, or a stale page's."""

    code, status, title = 10, 403, "Form refused"


MESSAGES = {
    400: ("Something's not right", "That request didn't look right. Go back and try again."),
    403: (
        "This page has expired",
        "For your safety, the form you sent was refused. Go back, reload the page and try again.",
    ),
    404: ("Page not found", "There's nothing here. Check the link and try again."),
    405: ("Page not found", "This page can't do that. Go back and try again."),
    413: ("That's too much", "What you sent is too large."),
    429: (
        "Slow down",
        "There were too many tries from your connection. Wait a minute, then try again.",
    ),
    500: (
        "Something went wrong",
        "Something went wrong on our side. Please try again in a moment.",
    ),
    503: (
        "We'll be right back",
        "This service is briefly unavailable. Nothing you did caused it: "
        "try again in a few seconds.",
    ),
}


def page_for(error: DomainError, trace_id: str = "") -> HTMLResponse:
    """The page for an error a route let through; some say more than their status."""
    if isinstance(error, GroupUnknown):
        return error_page(404, trace_id)  # a group you have no part in does not exist for you
    if isinstance(error, NotAllowed):
        return error_page(403, trace_id, ("You can't do that here", error.details + "."))
    if isinstance(error, UnusableText):
        said = (
            "That text can't be used",
            "What you typed has a control character in it, which can't be saved. "
            "Go back, type it again without it and try again.",
        )
        return error_page(400, trace_id, said)
    if isinstance(error, GroupSuspended):
        said = ("This group is suspended", "WhatsApp suspended this group: it can't be changed.")
        return error_page(403, trace_id, said)
    response = error_page(error.status, trace_id)
    if isinstance(error, Unavailable):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def error_page(
    status: int, trace_id: str = "", said: tuple[str, str] | None = None
) -> HTMLResponse:
    heading, message = said or MESSAGES.get(status) or MESSAGES[400 if status < 500 else 500]
    response = render("error.html", status, heading=heading, message=message, trace_id=trace_id)
    if status == 429:
        response.headers["Retry-After"] = "60"
    return response
