"""People sign in with their phone number and a one-time code.

:func:`request_code` makes a code, keeps its hash and hands it to the sender;
:func:`verify_code` checks what the person typed and, if right, starts a
session. Rate limits are the door's job; the locks after wrong tries live here,
in the database, so they hold across processes and machines: a code's own (its
tries), and the number's (its budget of wrong codes across all its codes, then
lockouts that grow; see :class:`grouplink.domain.signin.GuessRules`).

A code that the sender could not deliver is deleted, and the number's earlier
code keeps working: a failed resend costs nobody the code they already have.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from grouplink.domain import ids
from grouplink.domain.signin import (
    CodeExpired,
    CodeState,
    CodeWrong,
    GuessRules,
    NumberLocked,
    check_code,
    hash_code,
    new_code,
)
from grouplink.services.code_senders import CodeSender, SendFailed
from grouplink.services.core import Core
from grouplink.services.sessions import NewSession, start_in
from grouplink.store import guesses, signin_codes

log = structlog.get_logger("grouplink.signin")

ATTEMPT_ID_LENGTH = 24
KEEP_OLD_CODES_MS = 24 * 3600 * 1000
_BASE62 = frozenset(ids.BASE62)


@dataclass(frozen=True, slots=True)
class IssuedCode:
    attempt_id: str  # names this sign-in attempt in the code form
    code: str  # for the sender, and for the page in sandbox mode only
    expires_at: int


class CodeNotSent(Exception):
    """The sender could not deliver the code (it is logged why); no new code was made."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    wa_id: str
    session: NewSession


@dataclass(frozen=True, slots=True)
class SignInRules:
    code_seconds: int = 300
    max_attempts: int = 5
    session_seconds: int = 30 * 24 * 3600
    guesses: GuessRules = field(default_factory=GuessRules)


def _secret(core: Core) -> bytes:
    return core.secret + b":signin"


async def request_code(
    core: Core, sender: CodeSender, wa_id: str, rules: SignInRules
) -> IssuedCode:
    """A new code for ``wa_id``, sent; once it is, earlier codes of the number stop
    working. None is made while the number is locked out (:class:`NumberLocked`);
    :class:`CodeNotSent` if the sender fails, and then the earlier codes still work."""
    now = core.clock()
    attempt_id, code = ids.base62(ATTEMPT_ID_LENGTH), new_code()
    expires_at = now + rules.code_seconds * 1000
    async with core.db.write() as conn:
        number = await guesses.read(conn, wa_id, now)
        if number.locked(now):
            raise NumberLocked(number.locked_until)
        await signin_codes.forget_expired_before(conn, wa_id, now - KEEP_OLD_CODES_MS)
        pk = await signin_codes.add(
            conn,
            attempt_id=attempt_id,
            wa_id=wa_id,
            code_hash=hash_code(_secret(core), attempt_id, code),
            now=now,
            expires_at=expires_at,
        )
    try:
        await sender.send(wa_id, code, rules.code_seconds)
    except Exception as error:  # any sender's failure, a plug-in's too: the person retries
        await _forget_code(core, pk)
        failure = str(error) or type(error).__name__
        # A provider's refusal is one line; anything else (a plug-in's bug) its traceback.
        unexpected = not isinstance(error, SendFailed)
        log.warning("sign-in code not sent", wa_id=wa_id, error=failure, exc_info=unexpected)
        raise CodeNotSent(failure) from error
    async with core.db.write() as conn:
        # Only codes made before this one: of two asked for at once, the later one
        # always stays valid.
        await signin_codes.retire_before(conn, wa_id, pk, core.clock())
    return IssuedCode(attempt_id, code, expires_at)


async def _forget_code(core: Core, pk: int) -> None:
    async with core.db.write() as conn:
        await signin_codes.delete(conn, pk)


async def verify_code(core: Core, attempt_id: str, typed: str, rules: SignInRules) -> SignedIn:
    """Sign in with the code of ``attempt_id``: once, before it expires, within the tries."""
    if len(attempt_id) != ATTEMPT_ID_LENGTH or not set(attempt_id) <= _BASE62:
        raise CodeExpired("This code has expired or was already used")
    now = core.clock()
    async with core.db.write() as conn:
        row = await signin_codes.hold(conn, attempt_id)
        if row is None:
            raise CodeExpired("This code has expired or was already used")
        state = CodeState(row.code_hash, row.attempts, row.expires_at, row.used_at)
        number = await guesses.hold(conn, row.wa_id, now)
        refusal = check_code(
            state,
            _secret(core),
            attempt_id,
            typed,
            now,
            rules.max_attempts,
            number=number,
            rules=rules.guesses,
        )
        if refusal is None:
            await signin_codes.mark_used(conn, row.pk, now)
            await guesses.forget(conn, row.wa_id)  # the number proved itself
            session = await start_in(conn, now, rules.session_seconds, wa_id=row.wa_id)
            return SignedIn(row.wa_id, session)
        if isinstance(refusal, CodeWrong):
            # A wrong try counts, for the code and the number, and must be committed
            # before the refusal is raised.
            await signin_codes.count_wrong_try(conn, row.pk)
            number = number.after_wrong(now, rules.guesses)
            await guesses.save(conn, row.wa_id, number)
            if number.locked(now):
                refusal = NumberLocked(number.locked_until)
    raise refusal
