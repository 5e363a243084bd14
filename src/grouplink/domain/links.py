"""When an invite link admits someone, and whether they join or ask.

A link's state is never stored: it is derived at the moment it is read from
what is stored (revoked or not, expiry, limit, pauses), so an expired link is
``expired`` from the very second its ``expire_time`` passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from grouplink.domain.errors import LinkDead
from grouplink.domain.groups import JoinApprovalMode


class LinkState(StrEnum):
    """What a link does right now. Only ACTIVE and REVOKED are ever stored."""

    ACTIVE = "active"
    PAUSED = "paused"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"


class LinkEnd(StrEnum):
    """Why a link stopped working."""

    RESET = "reset"  # Meta's reset: a new primary replaced it
    ROTATED = "rotated"  # the group's scheduled rotation replaced it
    DELETED = "deleted"  # Meta's delete of the group's link
    REVOKED = "revoked"  # revoked by itself (DELETE .../invite_links/{id})
    GROUP_DELETED = "group_deleted"


class Refusal(StrEnum):
    """Why a link refuses a person: the sandbox's ``error_data.details``."""

    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    USED_UP = "used_up"
    PAUSED = "paused"
    NOT_ALLOWED = "not_allowed"
    GROUP_UNAVAILABLE = "group_unavailable"


@dataclass(frozen=True, slots=True)
class LinkView:
    """The rules' view of one link and the group-wide pause over it."""

    revoked: bool
    end_reason: LinkEnd | None = None
    expires_at: int | None = None
    member_limit: int | None = None
    joined: int = 0  # people admitted through the link: what member_limit caps
    approval_mode: JoinApprovalMode | None = None
    paused_until: int | None = None
    group_paused_until: int | None = None
    restricted: bool = False  # only the people on its list may use it


def state_of(link: LinkView, now_ms: int) -> LinkState:
    """The link's state at ``now_ms``; the first that applies, in this order."""
    if link.revoked:
        return LinkState.REVOKED
    if link.expires_at is not None and now_ms >= link.expires_at:
        return LinkState.EXPIRED
    if link.member_limit is not None and link.joined >= link.member_limit:
        return LinkState.USED_UP
    if paused_until(link, now_ms) is not None:
        return LinkState.PAUSED
    return LinkState.ACTIVE


def paused_until(link: LinkView, now_ms: int) -> int | None:
    """Until when the link is paused, by itself or with all of its group's; None if not."""
    until = max(link.paused_until or 0, link.group_paused_until or 0)
    return until if until > now_ms else None


_REFUSALS = {
    LinkState.REVOKED: Refusal.REVOKED,
    LinkState.EXPIRED: Refusal.EXPIRED,
    LinkState.USED_UP: Refusal.USED_UP,
    LinkState.PAUSED: Refusal.PAUSED,
}


def check_usable(link: LinkView | None, now_ms: int) -> None:
    """Raise LinkDead unless this link admits people right now (its list aside)."""
    if link is None:
        raise LinkDead(Refusal.UNKNOWN)
    state = state_of(link, now_ms)
    if state is not LinkState.ACTIVE:
        raise LinkDead(_REFUSALS[state], link.end_reason)


def check_has_room(link: LinkView, admitting: int) -> None:
    """Raise LinkDead if admitting that many more through the link would pass its limit."""
    if link.member_limit is not None and link.joined + admitting > link.member_limit:
        raise LinkDead(Refusal.USED_UP)


def approval_for(link: LinkView, group_mode: JoinApprovalMode) -> JoinApprovalMode:
    """A link may carry its own approval rule; otherwise the group's applies."""
    return link.approval_mode or group_mode
