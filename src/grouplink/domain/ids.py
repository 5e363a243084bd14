"""Identifiers and secrets, all from the CSPRNG."""

from __future__ import annotations

import hashlib
import secrets
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
INVITE_CODE_LENGTH = 22  # ~131 bits, the shape of chat.whatsapp.com codes


_UNBIASED = 256 - 256 % len(BASE62)  # 248: a byte at or above it would favour "0"-"7"


def base62(length: int) -> str:
    """``length`` characters, each uniform over BASE62, from one CSPRNG read (rarely two):
    ``secrets.choice`` would make a system call per character, on every request."""
    chars: list[str] = []
    while len(chars) < length:
        random = secrets.token_bytes(length + 8)
        chars.extend(BASE62[byte % len(BASE62)] for byte in random if byte < _UNBIASED)
    return "".join(chars[:length])


def invite_code() -> str:
    return base62(INVITE_CODE_LENGTH)


LINK_ID_LENGTH = 18


def link_id() -> str:
    """An invite link's id in the API: not its code, which is the secret that admits."""
    return base62(LINK_ID_LENGTH)


def is_invite_code(value: str) -> bool:
    return len(value) == INVITE_CODE_LENGTH and all(c in BASE62 for c in value)


def numeric_id(digits: int = 15) -> str:
    """Business and phone-number ids look like Meta's: digits, never starting with 0."""
    return str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))


def group_id() -> str:
    return base62(24)


def join_request_id() -> str:
    return base62(20)


def request_id() -> str:
    return base62(24)


def event_id() -> str:
    return base62(24)


def api_token() -> str:
    return "gl_" + base62(40)


def app_secret() -> str:
    return secrets.token_hex(16)


def digest(token: str) -> str:
    """What is stored of a bearer secret (an API token, a session token): its SHA-256.
    They carry over 200 bits of randomness, so a fast hash is enough (no salt, no KDF)."""
    return hashlib.sha256(token.encode()).hexdigest()
