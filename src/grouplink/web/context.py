"""What the web door's routes need, made once per process, and who is visiting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from grouplink.domain.signin import GuessRules
from grouplink.services import sessions
from grouplink.services.code_senders import CodeSender
from grouplink.services.core import Core
from grouplink.services.opens import OpenCounter
from grouplink.services.signin import SignInRules
from grouplink.services.throttle import Throttle
from grouplink.settings import Settings
from grouplink.web import csrf
from grouplink.web.errors import FormRefused
from grouplink.web.format import display_phone
from grouplink.web.navigation import see_other

SESSION_COOKIE = "gl_session"
FormField = Annotated[str, Form()]  # a text field of a posted form; "" when missing


@dataclass(slots=True)
class Web:
    core: Core
    settings: Settings
    throttle: Throttle
    sender: CodeSender
    rules: SignInRules
    opens: OpenCounter

    @classmethod
    def from_settings(cls, core: Core, settings: Settings, sender: CodeSender) -> Web:
        return cls(
            core=core,
            settings=settings,
            throttle=Throttle(core, settings.redis_url),
            sender=sender,
            rules=SignInRules(
                code_seconds=settings.signin_code_seconds,
                max_attempts=settings.signin_max_attempts,
                session_seconds=settings.session_seconds,
                guesses=GuessRules(
                    budget=settings.signin_wrong_codes,
                    lockout_ms=settings.signin_lockout_seconds * 1000,
                    max_lockout_ms=settings.signin_lockout_max_seconds * 1000,
                ),
            ),
            opens=OpenCounter(core),
        )

    @property
    def public_url(self) -> str:
        return self.settings.resolved_public_url


@dataclass(slots=True)
class Visitor:
    """The browser on the other end: its address, session and CSRF cookie."""

    address: str
    secure: bool  # cookies get the Secure flag
    session_token: str | None
    session: sessions.Session | None
    csrf_cookie: str
    new_csrf_cookie: bool
    secret: bytes

    @property
    def wa_id(self) -> str | None:
        return None if self.session is None else self.session.wa_id

    @property
    def csrf_token(self) -> str:
        return csrf.token_for(self.secret, self.csrf_cookie, self.session_token)

    def sent_valid_token(self, sent: str) -> bool:
        return not self.new_csrf_cookie and csrf.is_valid(
            self.secret, self.csrf_cookie, self.session_token, sent
        )

    def keep_cookies(self, response: Response) -> Response:
        """Give a new visitor their CSRF cookie with whatever page they get."""
        if self.new_csrf_cookie:
            self._set(response, csrf.COOKIE, self.csrf_cookie, max_age=None)
        return response

    def start_session(self, response: Response, token: str, max_age: int) -> None:
        self._set(response, SESSION_COOKIE, token, max_age=max_age)
        # Forms need the CSRF cookie as long as the session lasts: a browser restart
        # ends a cookie without max-age, and every form would then be refused.
        self._set(response, csrf.COOKIE, self.csrf_cookie, max_age=max_age)

    def end_session(self, response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=self.secure, httponly=True, samesite="lax"
        )

    def _set(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )


async def get_web(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


WebDep = Annotated[Web, Depends(get_web)]


def client_address(request: Request) -> str:
    """The address every per-address limit counts: the connection's peer, or the client
    that a proxy of ``GROUPLINK_TRUSTED_PROXIES`` names in X-Forwarded-For (the app's
    ProxyHeadersMiddleware puts it in the request's ``client``; see ``app.py``)."""
    return request.client.host if request.client else "unknown"


async def get_visitor(request: Request, web: WebDep) -> Visitor:
    token = request.cookies.get(SESSION_COOKIE)
    session = await sessions.resolve(web.core, token)
    cookie = request.cookies.get(csrf.COOKIE)
    return Visitor(
        address=client_address(request),
        secure=request.url.scheme == "https" or web.public_url.startswith("https://"),
        session_token=token if session is not None else None,
        session=session,
        csrf_cookie=cookie or csrf.new_cookie_value(),
        new_csrf_cookie=not cookie,
        secret=web.core.secret,
    )


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


def chrome(visitor: Visitor, here: str) -> dict[str, Any]:
    """What the page frame shows: who is signed in, and a sign-out form back to ``here``."""
    return {
        "me": _who(visitor.session),
        "csrf": visitor.csrf_token,
        "here": here,
    }


def _who(session: sessions.Session | None) -> str | None:
    if session is None:
        return None
    if session.wa_id is not None:
        return display_phone(session.wa_id)
    return session.business_name or f"business {session.business_id}"


def check_form(visitor: Visitor, sent: str) -> None:
    if not visitor.sent_valid_token(sent):
        raise FormRefused("The form's CSRF token is missing or wrong")


async def hand_over(web: Web, visitor: Visitor, token: str, target: str) -> Response:
    """After a sign-in: the new session replaces any old one, and the browser goes on."""
    if visitor.session_token is not None:
        await sessions.end_session(web.core, visitor.session_token)
    response = see_other(target)
    visitor.start_session(response, token, web.rules.session_seconds)
    return visitor.keep_cookies(response)
