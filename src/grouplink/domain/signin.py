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


class NumberLocked(SignInRefused):
    """Too many wrong codes for the number, across all its codes: none is tried, and
    none is sent, until ``until_ms``."""

    def __init__(self, until_ms: int) -> None:
        super().__init__("Too many wrong codes for this number")
        self.until_ms = until_ms


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def clean_code(raw: str) -> str:
    """What the person typed, without spaces; anything but 6 digits hashes to no match."""
    return "".join(raw.split())[: CODE_DIGITS * 2]


def looks_like_a_code(typed: str) -> bool:
    """Whether ``typed`` could be a code at all: checking one that can't uses no try."""
    cleaned = clean_code(typed)
    return len(cleaned) == CODE_DIGITS and cleaned.isascii() and cleaned.isdigit()


def hash_code(secret: bytes, attempt_id: str, code: str) -> str:
    return hmac.new(secret, f"{attempt_id}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class CodeState:
    code_hash: str
    attempts: int
    expires_at: int
    used_at: int | None


@dataclass(frozen=True, slots=True)
class GuessRules:
    """A number's budget of wrong codes across all its codes, and the lockouts after it."""

    budget: int = 10  # wrong codes before the first lockout; a new code does not reset it
    lockout_ms: int = 15 * 60_000  # the first lockout; each wrong code after it doubles it
    max_lockout_ms: int = 4 * 3600_000
    forget_ms: int = 24 * 3600_000  # after the last wrong code (or lockout), all is forgiven


@dataclass(frozen=True, slots=True)
class Guesses:
    """A number's wrong codes so far, and until when it may not try again."""

    wrong: int = 0
    locked_until: int = 0
    forget_at: int = 0

    def as_of(self, now_ms: int) -> Guesses:
        return self if now_ms < self.forget_at else Guesses()

    def locked(self, now_ms: int) -> bool:
        return now_ms < self.locked_until

    def before_lockout(self, rules: GuessRules) -> int:
        """Wrong codes the number may still type before it is locked out (one, once the
        budget is spent: after a lockout, each wrong code locks it again)."""
        return max(1, rules.budget - self.wrong)

    def after_wrong(self, now_ms: int, rules: GuessRules) -> Guesses:
        wrong = self.wrong + 1
        past_budget = wrong - rules.budget
        if past_budget < 0:
            return Guesses(wrong, 0, now_ms + rules.forget_ms)
        lockout = min(rules.lockout_ms << min(past_budget, 32), rules.max_lockout_ms)
        return Guesses(wrong, now_ms + lockout, now_ms + lockout + rules.forget_ms)


def check_code(
    state: CodeState,
    secret: bytes,
    attempt_id: str,
    typed: str,
    now_ms: int,
    max_attempts: int,
    *,
    number: Guesses,
    rules: GuessRules,
) -> SignInRefused | None:
    """None if ``typed`` signs in; otherwise the refusal (the caller counts a wrong try).
    ``number`` holds the number's wrong codes so far, as of ``now_ms``."""
    if number.locked(now_ms):
        return NumberLocked(number.locked_until)
    if state.used_at is not None or now_ms >= state.expires_at:
        return CodeExpired("This code has expired or was already used")
    if state.attempts >= max_attempts:
        return CodeLocked("Too many wrong codes")
    typed_hash = hash_code(secret, attempt_id, clean_code(typed))
    if hmac.compare_digest(typed_hash, state.code_hash):
        return None
    return CodeWrong(
        tries_left=min(max_attempts - state.attempts, number.before_lockout(rules)) - 1
    )
