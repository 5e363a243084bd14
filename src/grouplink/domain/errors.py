"""The errors the rules can raise, each with its Graph API code and HTTP status.

The Graph door renders them in Meta's envelope; the web door turns them into a
human sentence. One hierarchy serves both so that no rule is written twice.
"""

from __future__ import annotations

from typing import ClassVar

RETRY_AFTER_SECONDS = 5  # what an Unavailable answer tells a client to wait


class DomainError(Exception):
    code: ClassVar[int] = 1
    status: ClassVar[int] = 500
    title: ClassVar[str] = "An unknown error occurred"

    def __init__(self, details: str = "") -> None:
        super().__init__(details or self.title)
        self.details = details or self.title

    @property
    def message(self) -> str:
        return f"(#{self.code}) {self.title}"


class UnknownError(DomainError):
    pass


class Unavailable(DomainError):
    """The database (or Redis) cannot be reached just now: try again in ``retry_after``
    seconds. Meta answers its own outages with code 2 and ``is_transient``.

    ``cause`` says what failed, for the log and the command line, never for the client.
    """

    code, status, title = 2, 503, "Service temporarily unavailable"

    def __init__(
        self, cause: str = "", retry_after: int = RETRY_AFTER_SECONDS, details: str = ""
    ) -> None:
        super().__init__(details or f"Temporarily unavailable; retry in {retry_after} seconds")
        self.cause = cause or self.title
        self.retry_after = retry_after


class InvalidParameter(DomainError):
    code, status, title = 100, 400, "Invalid parameter"


class UnusableText(InvalidParameter):
    """Text with a character no door accepts: see :mod:`grouplink.domain.text`."""


class NotFound(InvalidParameter):
    """An unknown path or object: Meta answers these with code 100."""

    status = 404
    title = "Unsupported request"


class MethodNotAllowed(InvalidParameter):
    status = 405
    title = "Unsupported request method"


class PayloadTooLarge(InvalidParameter):
    status = 413
    title = "Request body too large"


class MissingToken(DomainError):
    code, status, title = 104, 401, "An access token is required to request this resource."

    @property
    def message(self) -> str:
        return self.title


class BadToken(DomainError):
    code, status, title = 190, 401, "Invalid OAuth access token - Cannot parse access token"

    @property
    def message(self) -> str:
        return self.title


class NotAllowed(DomainError):
    """A participant tries what their role does not allow (see domain/permissions.py)."""

    code, status, title = 10, 403, "Permission denied"


class GroupUnknown(DomainError):
    code, status, title = 131041, 400, "Group unknown"


class BadCursor(DomainError):
    code, status, title = 131059, 400, "Invalid cursor"


class PartialSuccess(DomainError):
    code, status, title = 131201, 206, "Request partially succeeded"


class DuplicateParticipant(DomainError):
    code, status, title = 131202, 400, "Duplicate participant"


class CannotAddParticipant(DomainError):
    code, status, title = 131203, 400, "Unable to add participant to group"


class Banned(CannotAddParticipant):
    """A removed person tries to come back through a link."""


class GroupFull(DomainError):
    code, status, title = 131204, 400, "Participant overlimit"


class GroupSuspended(DomainError):
    code, status, title = 131207, 403, "Group suspended"


class RateLimited(DomainError):
    code, status, title = 131208, 429, "Group Rate Limit Hit"


class PictureNotSquare(DomainError):
    code, status, title = 131209, 400, "Invalid Group Profile Picture Aspect Ratio"


class PictureTooSmall(DomainError):
    code, status, title = 131210, 400, "Image is Too Small to Process"


class GroupLimit(DomainError):
    code, status, title = 131211, 400, "Group create limit reached"


class NotParticipant(DomainError):
    code, status, title = 131212, 400, "Participant is not a part of the group."


class JoinRequestUnknown(DomainError):
    code, status, title = 131213, 400, "Group join request does not exist."


class NumberNotEligible(DomainError):
    code, status, title = 131215, 400, "This phone number is not eligible to access Groups APIs"


class LinkDead(InvalidParameter):
    """The invite link refuses this person: unknown, revoked, expired, used up, paused,
    not meant for them, or its group cannot be joined.

    ``details`` is the reason's one word (``expired``, ``used_up``, ``paused``,
    ``revoked``, ``not_allowed``...), as the sandbox answers it; ``end`` says how a
    revoked link ended (reset, deleted...), which the link page puts into words.
    """

    title = "Invite link is not valid"

    def __init__(self, reason: str = "unknown", end: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.end = end

    @property
    def message(self) -> str:
        words = _REFUSAL_WORDS.get(self.reason)
        return f"(#{self.code}) {self.title}: {words}" if words else super().message


_REFUSAL_WORDS = {
    "unknown": "no invite link has this code",
    "revoked": "this invite link was revoked or reset",
    "expired": "this invite link has expired",
    "used_up": "this invite link has reached its member limit",
    "paused": "joining through this invite link is paused",
    "not_allowed": "this invite link is meant for other people",
    "group_unavailable": "this group cannot be joined right now",
}


class CallbackVerificationFailed(InvalidParameter):
    """The receiver did not complete Meta's hub.challenge handshake."""

    code, title = 2200, "Callback verification failed"


class Undeliverable(DomainError):
    """Meta's answer when a message cannot reach its recipient (unknown BSUID, no
    inbox and no Cloud API to relay to, or the relay refused it)."""

    code, status, title = 131026, 400, "Message Undeliverable"
