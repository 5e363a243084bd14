"""Signing in to the console: people by phone (the shared ``/signin``), businesses
with one of their API tokens. A visitor with no session is sent here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import Response

from grouplink.domain.errors import BadToken, MissingToken
from grouplink.services import businesses, sessions
from grouplink.web.console.common import HOME, SignInNeeded
from grouplink.web.context import Visitor, VisitorDep, WebDep, check_form, chrome
from grouplink.web.navigation import safe_next, see_other
from grouplink.web.templating import render

router = APIRouter()

FormField = Annotated[str, Form()]

BAD_TOKEN = "That token is not valid. Check it, or make a new one with grouplink token create."
TOO_MANY_TRIES = "Too many tries from your connection. Wait a few minutes, then try again."


def install(app: FastAPI) -> None:
    """A console page asked for by someone not signed in leads to the sign-in page."""

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        return see_other(f"{HOME}/signin?next={exc.here}")

    app.add_exception_handler(SignInNeeded, sign_in_first)


@router.get("/signin")
async def signin_page(visitor: VisitorDep, next: str | None = None) -> Response:
    target = _console_next(next)
    if visitor.session is not None:
        return see_other(target)
    return visitor.keep_cookies(_page(visitor, target))


@router.post("/signin")
async def token_signin(
    web: WebDep,
    visitor: VisitorDep,
    csrf: FormField = "",
    token: FormField = "",
    next: FormField = "",
) -> Response:
    check_form(visitor, csrf)
    target = _console_next(next)
    if not await web.throttle.allow(web.settings.rate_token_check, "token", visitor.address):
        return _page(visitor, target, error=TOO_MANY_TRIES, status=429)
    try:
        business_id = await businesses.authenticate(web.core, f"Bearer {token.strip()}")
    except (MissingToken, BadToken):
        return _page(visitor, target, error=BAD_TOKEN, status=400)
    if visitor.session_token is not None:  # signing in again replaces the old session
        await sessions.end_session(web.core, visitor.session_token)
    lifetime = web.settings.session_seconds
    new = await sessions.start_session(web.core, lifetime, business_id=business_id)
    response = see_other(target)
    visitor.start_session(response, new.token, lifetime)
    return visitor.keep_cookies(response)


def _console_next(raw: str | None) -> str:
    target = safe_next(raw)
    return target if target.startswith(HOME) else HOME


def _page(visitor: Visitor, target: str, *, error: str = "", status: int = 200) -> Response:
    return render(
        "console/signin.html",
        status,
        **chrome(visitor, f"{HOME}/signin"),
        next=target,
        phone_url=f"/signin?next={target}",
        error=error,
    )
