"""What an admin may set on an invite link, and on all of a group's links, checked once
for every door (the Graph API and the console).

Times arrive as unix seconds and are kept as unix milliseconds, like every time here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from grouplink.domain.days import DAY_MS
from grouplink.domain.errors import InvalidParameter
from grouplink.domain.groups import JoinApprovalMode, clean_join_approval_mode
from grouplink.domain.people import UserRef, clean_user_refs

NAME_MAX = 32
MEMBER_LIMIT_MAX = 99_999
ALLOWED_USERS_MAX = 1024
MAX_OTHER_LINKS = 100  # working links besides the primary
ROTATION_DAYS_MAX = 365
# Far enough for any real plan; near enough that no driver's integer overflows.
FURTHEST_MS = 10 * 366 * DAY_MS


class Keep(Enum):
    """A field the caller did not send: it stays as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class LinkChanges:
    """The fields of one link that a create or an edit sets; ``KEEP`` leaves one alone."""

    name: str | Keep = KEEP
    expires_at: int | Keep | None = KEEP
    member_limit: int | Keep | None = KEEP
    approval_mode: JoinApprovalMode | Keep | None = KEEP
    allowed_users: list[UserRef] | Keep | None = KEEP
    paused_until: int | Keep | None = KEEP

    def is_empty(self) -> bool:
        return all(getattr(self, name) is KEEP for name in self.__slots__)


LINK_FIELDS = (
    "name",
    "expire_time",
    "member_limit",
    "join_approval_mode",
    "allowed_users",
    "paused_until",
)


def clean_link_changes(body: Mapping[str, Any], now_ms: int) -> LinkChanges:
    """The link fields of a request body (a new link may start paused, too)."""

    def given(name: str) -> bool:
        return name in body

    return LinkChanges(
        name=clean_name(body["name"]) if given("name") else KEEP,
        expires_at=_optional(body, "expire_time", lambda v: clean_future(v, "expire_time", now_ms))
        if given("expire_time")
        else KEEP,
        member_limit=_optional(body, "member_limit", clean_member_limit)
        if given("member_limit")
        else KEEP,
        approval_mode=_optional(body, "join_approval_mode", clean_join_approval_mode)
        if given("join_approval_mode")
        else KEEP,
        allowed_users=_optional(body, "allowed_users", clean_allowed_users)
        if given("allowed_users")
        else KEEP,
        paused_until=clean_pause(body["paused_until"], "paused_until", now_ms)
        if given("paused_until")
        else KEEP,
    )


# The primary link is Meta's: it follows the group's rules and lasts until a reset.
_PRIMARY_FIXED = {
    "expires_at": "expire_time",
    "member_limit": "member_limit",
    "approval_mode": "join_approval_mode",
    "allowed_users": "allowed_users",
}


def check_primary_changes(changes: LinkChanges) -> None:
    """The primary link may be renamed and paused, nothing more."""
    fixed = [wire for name, wire in _PRIMARY_FIXED.items() if getattr(changes, name) is not KEEP]
    if fixed:
        raise InvalidParameter(
            f"The primary link follows the group's rules and cannot have {', '.join(fixed)}; "
            "make another link (POST /{group_id}/invite_links) for an expiry, a limit, its "
            "own approval rule or a list of people"
        )


def _optional(body: Mapping[str, Any], name: str, clean: Any) -> Any:
    """``null`` clears a field; anything else is checked."""
    value = body[name]
    return None if value is None else clean(value)


def clean_name(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidParameter("name must be a string")
    name = value.strip()
    if len(name) > NAME_MAX:
        raise InvalidParameter(f"name is longer than {NAME_MAX} characters")
    return name


def _whole_number(value: object, name: str) -> int:
    """An integer, also as form-encoded text ("10"); never a bool or a fraction."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        if len(value.strip()) > 18:  # more than any limit or time here; int() fails past 4,300
            raise InvalidParameter(f"{name} is too large")
        return int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameter(f"{name} must be a whole number")
    return value


def clean_member_limit(value: object) -> int:
    limit = _whole_number(value, "member_limit")
    if not 1 <= limit <= MEMBER_LIMIT_MAX:
        raise InvalidParameter(f"member_limit must be between 1 and {MEMBER_LIMIT_MAX:,}")
    return limit


def clean_future(value: object, name: str, now_ms: int) -> int:
    """A moment in unix seconds, after now: unix milliseconds."""
    at = _whole_number(value, name) * 1000
    if at <= now_ms:
        raise InvalidParameter(f"{name} must be a time in the future (unix seconds)")
    if at > now_ms + FURTHEST_MS:
        raise InvalidParameter(f"{name} must be within ten years")
    return at


def clean_pause(value: object, name: str, now_ms: int) -> int | None:
    """Pause until a future moment (unix seconds); 0 or null resumes."""
    if value is None or _whole_number(value, name) == 0:
        return None
    return clean_future(value, name, now_ms)


def clean_allowed_users(value: object) -> list[UserRef]:
    return clean_user_refs(value, "allowed_users", ALLOWED_USERS_MAX)


def clean_rotation_days(value: object) -> int:
    """Every how many days the primary link rotates; 0 or null: never."""
    days = 0 if value is None else _whole_number(value, "invite_link_rotation_days")
    if not 0 <= days <= ROTATION_DAYS_MAX:
        raise InvalidParameter(
            f"invite_link_rotation_days must be between 0 (never) and {ROTATION_DAYS_MAX}"
        )
    return days


def next_rotation(now_ms: int, days: int) -> int | None:
    """When a group rotating its primary link every ``days`` days rotates next: that many
    days after the setting is saved, after each rotation and after each reset."""
    return now_ms + days * DAY_MS if days else None
