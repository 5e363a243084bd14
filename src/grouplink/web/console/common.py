"""What every console screen shares: who is looking, the group's frame, notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from grouplink.domain.errors import NotAllowed
from grouplink.domain.permissions import Ability
from grouplink.services import businesses, overview
from grouplink.services.overview import GroupView, Viewer
from grouplink.web import format
from grouplink.web.context import Visitor, VisitorDep, Web, WebDep, chrome
from grouplink.web.navigation import see_other
from grouplink.web.templating import render

HOME = "/console"


class SignInNeeded(Exception):
    """Raised by a console route for a visitor with no session: they go to sign in."""

    def __init__(self, here: str) -> None:
        self.here = here


@dataclass(slots=True)
class Console:
    """The request as a console screen sees it."""

    web: Web
    visitor: Visitor
    viewer: Viewer

    @property
    def sees_sandbox(self) -> bool:
        """The business, with the sandbox on: it may read its people's inboxes."""
        return self.viewer.business_id is not None and self.web.settings.sandbox_enabled

    def chrome(self, here: str) -> dict[str, Any]:
        return {
            **chrome(self.visitor, here),
            "is_business": self.viewer.business_id is not None,
            # The path of a person's sandbox inbox (screens link their people to it), or None.
            "inbox_of": inbox_path if self.sees_sandbox else None,
        }

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        """A console page, with the visitor's CSRF cookie if they have none yet."""
        return self.visitor.keep_cookies(render(template, status, **context))


class ShowPage(Exception):
    """Ends a console route with a page of its own, such as a refusal in the group's frame."""

    def __init__(self, response: Response) -> None:
        self.response = response


async def get_console(request: Request, web: WebDep, visitor: VisitorDep) -> Console:
    session = visitor.session
    if session is None:
        raise SignInNeeded(request.url.path)
    token_id = None
    if session.business_id is not None and visitor.session_token is not None:
        token_id = await businesses.session_token_id(web.core, visitor.session_token)
    viewer = Viewer(business_id=session.business_id, wa_id=session.wa_id, token_id=token_id)
    return Console(web, visitor, viewer)


ConsoleDep = Annotated[Console, Depends(get_console)]


def group_path(group_id: str, screen: str = "") -> str:
    return f"{HOME}/groups/{group_id}" + (f"/{screen}" if screen else "")


def inbox_path(wa_id: str) -> str:
    """A person's sandbox inbox (web/console/sandbox_inbox.py)."""
    return f"{HOME}/sandbox/people/{wa_id}/messages"


def back_to(path: str, notice: str, **counts: int) -> RedirectResponse:
    """After a change, show the screen again with a line saying what happened."""
    return see_other(f"{path}?{urlencode({'notice': notice, **counts})}")


# Short labels: all six fit across a phone.
TABS = (
    ("", "Info", Ability.VIEW),
    ("invite", "Invite links", Ability.MANAGE_LINK),
    ("insights", "Insights", Ability.MANAGE_LINK),
    ("requests", "Requests", Ability.DECIDE),
    ("members", "People", Ability.VIEW),
    ("settings", "Settings", Ability.EDIT),
    ("log", "Log", Ability.MODERATE),  # the audit log: the owner and admins
)


def group_frame(console: Console, group: GroupView, screen: str) -> dict[str, Any]:
    """The context every group screen's template gets: the group's header and tabs."""
    here = group_path(group.id, screen)
    return {
        **console.chrome(here),
        "group": group,
        "base": group_path(group.id),
        "screen": screen,
        "tabs": [
            {
                "href": group_path(group.id, path),
                "label": label,
                "current": path == screen,
                "badge": group.pending_count if path == "requests" else 0,
            }
            for path, label, ability in TABS
            if group.may(ability)
        ],
        "initials": format.initials(group.subject),
        "tint": format.tint(group.id),
        "count": format.participants(group.participant_count),
        "picture_url": f"{group_path(group.id, 'picture')}?v={(group.picture_sha256 or '')[:16]}",
        "Ability": Ability,
    }


@dataclass(frozen=True, slots=True)
class Choice:
    """A second way to confirm: a button that also sends ``name=value``, and what it does."""

    label: str
    name: str
    value: str
    note: str


def confirm_page(
    console: Console,
    group: GroupView,
    screen: str,
    *,
    title: str,
    warning: str,
    confirm: str,
    back: str = "",
    alternative: Choice | None = None,
    fields: dict[str, str] | None = None,
    danger: bool = True,
) -> Response:
    """The no-JavaScript confirmation of ``screen`` (it posts there, with ``fields``
    hidden); Cancel goes to ``back``."""
    return console.render(
        "console/confirm.html",
        **group_frame(console, group, (back or screen).split("/")[0]),
        title=title,
        warning=warning,
        action=group_path(group.id, screen),
        confirm=confirm,
        alternative=alternative,
        fields=fields or {},
        danger=danger,
        cancel=group_path(group.id, back),
    )


# A form's button with data-ask asks in a dialog (console.js) and then sends this; without
# scripts the form arrives without it, and the handler answers with :func:`ask_first`.
CONFIRMED = "confirmed"


def ask_first(
    console: Console,
    group: GroupView,
    screen: str,
    fields: dict[str, str],
    *,
    title: str,
    warning: str,
    confirm: str,
    danger: bool = True,
) -> Response:
    """Send the same form again from a page that asks first: ``fields`` plus ``confirmed``."""
    return confirm_page(
        console,
        group,
        screen,
        title=title,
        warning=warning,
        confirm=confirm,
        back=screen,
        fields={**fields, CONFIRMED: "yes"},
        danger=danger,
    )


async def load_group(console: Console, group_id: str, ability: Ability) -> GroupView:
    """The group as the viewer may see it; refused (a page saying why) without ``ability``."""
    group = await overview.group_view(console.web.core, console.viewer, group_id)
    try:
        group.require(ability)
    except NotAllowed as refused:
        frame = group_frame(console, group, "")
        page = console.render("console/refused.html", 403, **frame, message=refused.details)
        raise ShowPage(page) from None
    return group


@dataclass(frozen=True, slots=True)
class Notice:
    """The line a screen shows after a change: in the ok colours unless it is a warning
    (some of it could not be done, or nothing was)."""

    text: str
    ok: bool = True

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def notice_text(
    notices: dict[str, str],
    key: str | None,
    counts: dict[str, str],
    warnings: frozenset[str] = frozenset(),
) -> Notice:
    """The sentence for ``?notice=key``; unknown keys say nothing (a URL can't put words here).
    Keys in ``warnings`` read as warnings, the others as success."""
    template = notices.get(key or "")
    if template is None:
        return Notice("")
    numbers: dict[str, object] = {
        k: int(v) for k, v in counts.items() if v.isdigit() and len(v) < 6
    }
    numbers["s"] = "" if numbers.get("n") == 1 else "s"
    try:
        return Notice(template.format(**numbers), ok=key not in warnings)
    except (KeyError, ValueError):
        return Notice("")
