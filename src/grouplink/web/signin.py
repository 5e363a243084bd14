"""Sign-in by phone number and one-time code, and sign-out.

``GET /signin`` asks for the number; ``POST /signin`` sends a code and shows
the code form (in sandbox mode with the code on it); ``POST /signin/code``
checks it, starts a session and goes on to ``next``; ``POST /signout`` ends it.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.people import typed_phone
from grouplink.domain.signin import (
    CODE_DIGITS,
    CodeLocked,
    CodeWrong,
    NumberLocked,
    SignInRefused,
    looks_like_a_code,
)
from grouplink.inputs import FORM_TEXT
from grouplink.paths import link_code
from grouplink.services import link_preview, sessions, signin
from grouplink.services.throttle import Hit
from grouplink.web.context import (
    FormField,
    Visitor,
    VisitorDep,
    Web,
    WebDep,
    check_form,
    chrome,
    hand_over,
)
from grouplink.web.format import display_phone, moment, waiting_time
from grouplink.web.link_page import JOIN, join_through_link
from grouplink.web.navigation import safe_next, see_other
from grouplink.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=FORM_TEXT)


BAD_NUMBER = "Enter your full number with its country code, like +1 555 010 0000."
TOO_MANY_CODES = "Too many codes were asked for. Wait a few minutes, then try again."
TOO_MANY_TRIES = "Too many tries from your connection. Wait a few minutes, then try again."
NOT_SENT = "We could not send the code. Try again in a minute."


@dataclass(frozen=True, slots=True)
class Journey:
    """Where the person goes once signed in, and what they set out to do there."""

    next: str
    code: str = ""  # the invite code when ``next`` is a working link's page
    intent: str = ""  # JOIN: join (or ask to join) through that link
    group: str = ""  # the subject of the link's group: pages name it
    asks: bool = False  # whether joining it is asking an admin


async def _journey(web: Web, next: str | None, intent: str | None) -> Journey:
    target = safe_next(next)
    code = link_code(target)
    if code is None:
        return Journey(target)
    group = (await link_preview.preview(web.core, code)).group
    if group is None:
        return Journey(target)
    return Journey(
        target,
        code,
        JOIN if intent == JOIN else "",
        group.subject,
        group.approval is JoinApprovalMode.APPROVAL_REQUIRED,
    )


@router.get("/signin")
async def signin_page(
    web: WebDep, visitor: VisitorDep, next: str | None = None, intent: str | None = None
) -> Response:
    journey = await _journey(web, next, intent)
    page: Response
    if visitor.wa_id is not None:
        page = render("signin_done.html", **chrome(visitor, "/signin"), next=journey.next)
    else:
        page = _phone_page(visitor, journey)
    return visitor.keep_cookies(page)


@router.post("/signin")
async def send_code(
    web: WebDep,
    visitor: VisitorDep,
    csrf: FormField = "",
    phone: FormField = "",
    next: FormField = "",
    intent: FormField = "",
) -> Response:
    check_form(visitor, csrf)
    journey = await _journey(web, next, intent)
    try:
        wa_id = typed_phone(phone)
    except InvalidParameter:
        return _phone_page(visitor, journey, phone=phone, error=BAD_NUMBER, status=400)
    settings = web.settings
    if not await web.throttle.allow(
        Hit(settings.rate_signin_address, "signin-address", visitor.address),
        Hit(settings.rate_signin_number, "signin-number", wa_id),
    ):
        return _phone_page(visitor, journey, phone=phone, error=TOO_MANY_CODES, status=429)
    try:
        issued = await signin.request_code(web.core, web.sender, wa_id, web.rules)
    except NumberLocked as locked:
        page = _phone_page(
            visitor, journey, phone=phone, error=_locked_message(web, locked), status=429
        )
        return _retry_after(web, page, locked)
    except signin.CodeNotSent:
        # The ask still counts against the rate limits: a timed-out send may have
        # arrived, and a failing provider must not be asked without limit.
        page = _phone_page(visitor, journey, phone=phone, error=NOT_SENT, status=503)
        page.headers["Retry-After"] = "60"
        return page
    return _code_page(
        web,
        visitor,
        journey,
        wa_id,
        issued.attempt_id,
        sandbox_code=issued.code if settings.sandbox_enabled else None,
    )


@router.post("/signin/code")
async def check_code(
    web: WebDep,
    visitor: VisitorDep,
    csrf: FormField = "",
    attempt: FormField = "",
    phone: FormField = "",
    code: FormField = "",
    next: FormField = "",
    intent: FormField = "",
    shown: FormField = "",  # sandbox mode: the code the page showed, to show it again
) -> Response:
    check_form(visitor, csrf)
    journey = await _journey(web, next, intent)
    wa_id = phone if phone.isdigit() and len(phone) <= 15 else ""
    sandbox_code = shown if web.settings.sandbox_enabled and looks_like_a_code(shown) else None

    def again(error: str, status: int, *, attempt: str = attempt, locked: bool = False) -> Response:
        return _code_page(
            web,
            visitor,
            journey,
            wa_id,
            attempt,
            error=error,
            status=status,
            locked=locked,
            sandbox_code=sandbox_code if attempt else None,
        )

    if not looks_like_a_code(code):
        return again(f"Enter the {CODE_DIGITS} digits of the code we sent.", 400)
    checks = Hit(web.settings.rate_code_check, "code-address", visitor.address)
    if not await web.throttle.allow(checks):
        return again(TOO_MANY_TRIES, 429)
    try:
        signed_in = await signin.verify_code(web.core, attempt, code, web.rules)
    except NumberLocked as locked:
        return _retry_after(
            web, again(_locked_message(web, locked), 429, attempt="", locked=True), locked
        )
    except SignInRefused as refused:
        error, can_retry = _refusal_message(refused)
        return again(error, 400, attempt=attempt if can_retry else "")
    target = journey.next
    if journey.intent == JOIN:
        # The person pressed Join (or Request to join) before signing in: do it now.
        with suppress(InvalidParameter):  # the group asks questions first: its page asks
            target = await join_through_link(
                web, journey.code, signed_in.wa_id, visitor.address, []
            )
    return await hand_over(web, visitor, signed_in.session.token, target)


@router.post("/signout")
async def signout(
    web: WebDep, visitor: VisitorDep, csrf: FormField = "", next: FormField = ""
) -> Response:
    check_form(visitor, csrf)
    await sessions.end_session(web.core, visitor.session_token)
    response = see_other(safe_next(next))
    visitor.end_session(response)
    return response


def _refusal_message(refused: SignInRefused) -> tuple[str, bool]:
    """What to tell the person, and whether this code may still be tried."""
    if isinstance(refused, CodeWrong) and refused.tries_left > 0:
        tries = "1 try" if refused.tries_left == 1 else f"{refused.tries_left} tries"
        return f"That code is not right. You have {tries} left.", True
    if isinstance(refused, CodeWrong | CodeLocked):
        return "Too many wrong codes. Ask for a new code.", False
    return "This code has expired or was already used. Ask for a new code.", False


def _locked_message(web: Web, locked: NumberLocked) -> str:
    wait = waiting_time(locked.until_ms - web.core.clock())
    return (
        "Too many wrong codes for this number. You can try again "
        f"in {wait} ({moment(locked.until_ms)})."
    )


def _retry_after(web: Web, page: Response, locked: NumberLocked) -> Response:
    page.headers["Retry-After"] = str(max(1, -(-(locked.until_ms - web.core.clock()) // 1000)))
    return page


def _phone_page(
    visitor: Visitor, journey: Journey, *, phone: str = "", error: str = "", status: int = 200
) -> Response:
    return render(
        "signin_phone.html",
        status,
        **chrome(visitor, "/signin"),
        journey=journey,
        next=journey.next,
        phone=phone,
        error=error,
    )


def _code_page(
    web: Web,
    visitor: Visitor,
    journey: Journey,
    wa_id: str,
    attempt: str,
    *,
    sandbox_code: str | None = None,
    error: str = "",
    status: int = 200,
    locked: bool = False,
) -> Response:
    context: dict[str, Any] = {
        **chrome(visitor, "/signin"),
        "journey": journey,
        "next": journey.next,
        "attempt": attempt,
        "phone": wa_id,
        "shown_phone": display_phone(wa_id) if wa_id else "your phone",
        "minutes": max(1, web.rules.code_seconds // 60),
        "digits": CODE_DIGITS,
        "sandbox_code": sandbox_code,
        "error": error,
        "locked": locked,  # no new code either: the page says until when
    }
    return render("signin_code.html", status, **context)
