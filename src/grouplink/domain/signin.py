"""One-time sign-in codes: how they are made, kept and checked. No I/O.

A code is 6 digits. Only an HMAC of it is stored, keyed with the server's
secret and the attempt's id, so a copied table row does not give the code away
and the same code in two attempts hashes differently. Codes are compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from grouplink.domain.errors import InvalidParameter

CODE_DIGITS = 6


class SignInRefused(InvalidParameter):
    """A code that cannot sign anyone in; ``message`` is for the person."""

    title = "Sign-in code refused"


class CodeWrong(SignInRefused):
    def __init__(self, tries_left: int) -> None:
        super().__init__("That code is not right")
        self.tries_left = tries_left


class CodeExpired(SignInRefused):
    """Expired, already used, or never issued: the person asks for a new one."""


class CodeLocked(SignInRefused):
    """Too many wrong tries: even the right code no longer works."""


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def clean_code(raw: str) -> str:
    """What the person typed, without spaces; anything but 6 digits hashes to no match."""
    return "".join(raw.split())[: CODE_DIGITS * 2]


def hash_code(secret: bytes, attempt_id: str, code: str) -> str:
    return hmac.new(secret, f"{attempt_id}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class CodeState:
    code_hash: str
    attempts: int
    expires_at: int
    used_at: int | None


def check_code(
    state: CodeState, secret: bytes, attempt_id: str, typed: str, now_ms: int, max_attempts: int
) -> SignInRefused | None:
    """None if ``typed`` signs in; otherwise the refusal (the caller counts a wrong try)."""
    if state.used_at is not None or now_ms >= state.expires_at:
        return CodeExpired("This code has expired or was already used")
    if state.attempts >= max_attempts:
        return CodeLocked("Too many wrong codes")
    typed_hash = hash_code(secret, attempt_id, clean_code(typed))
    if hmac.compare_digest(typed_hash, state.code_hash):
        return None
    return CodeWrong(tries_left=max_attempts - state.attempts - 1)
