"""Signed double-submit tokens against cross-site form posts.

Every visitor has a random ``gl_csrf`` cookie; each form carries an HMAC of
that cookie and of the visitor's session token, keyed with the server secret.
Another site can make the browser send the cookie but cannot read it, and so
cannot compute the token; signing in or out changes the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

COOKIE = "gl_csrf"
FIELD = "csrf"


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def token_for(secret: bytes, cookie: str, session_token: str | None) -> str:
    mac = hmac.new(
        secret + b":csrf", f"{cookie}|{session_token or ''}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def is_valid(secret: bytes, cookie: str | None, session_token: str | None, sent: str) -> bool:
    if not cookie or not sent:
        return False
    return hmac.compare_digest(token_for(secret, cookie, session_token), sent)
