"""Signing in to the console: people by phone (the shared ``/signin``), businesses
with one of their API tokens. A visitor with no session is sent here."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from grouplink.domain.errors import BadToken
from grouplink.services import businesses, sessions
from grouplink.services.throttle import Hit
from grouplink.web.console.common import HOME, ShowPage, SignInNeeded
from grouplink.web.context import (
    FormField,
    Visitor,
    VisitorDep,
    WebDep,
    check_form,
    chrome,
    hand_over,
)
from grouplink.web.navigation import safe_next, see_other
from grouplink.web.templating import render

router = APIRouter()


BAD_TOKEN = "That token is not valid. Check it, or make a new one with grouplink token create."
TOO_MANY_TRIES = "Too many tries from your connection. Wait a few minutes, then try again."


def install(app: FastAPI) -> None:
    """A console page asked for by someone not signed in leads to the sign-in page;
    a route that stops with a page of its own (:class:`ShowPage`) answers with it."""

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        return see_other(f"{HOME}/signin?next={exc.here}")

    async def show(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ShowPage)
        return exc.response

    app.add_exception_handler(SignInNeeded, sign_in_first)
    app.add_exception_handler(ShowPage, show)


@router.get("/signin")
async def signin_page(visitor: VisitorDep, next: str | None = None) -> Response:
    target = _console_next(next)
    if visitor.session is not None:
        return visitor.keep_cookies(see_other(target))
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
    if not await web.throttle.allow(Hit(web.settings.rate_token_check, "token", visitor.address)):
        return _page(visitor, target, error=TOO_MANY_TRIES, status=429)
    try:
        owner = await businesses.token_owner(web.core, token.strip())
    except BadToken:
        return _page(visitor, target, error=BAD_TOKEN, status=400)
    new = await sessions.start_session(
        web.core,
        web.rules.session_seconds,
        business_id=owner.business_id,
        api_token_id=owner.token_id,
    )
    return await hand_over(web, visitor, new.token, target)


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
