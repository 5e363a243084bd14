"""When an invite link admits someone, and whether they join or ask."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from grouplink.domain.errors import LinkDead
from grouplink.domain.groups import JoinApprovalMode


class LinkState(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class LinkEnd(StrEnum):
    """Why a link stopped working."""

    RESET = "reset"
    DELETED = "deleted"
    GROUP_DELETED = "group_deleted"


@dataclass(frozen=True, slots=True)
class LinkView:
    state: LinkState
    end_reason: LinkEnd | None
    expires_at: int | None
    use_limit: int | None
    use_count: int
    approval_mode: JoinApprovalMode | None


def check_usable(link: LinkView | None, now_ms: int) -> None:
    """Raise LinkDead unless this link admits people right now."""
    if link is None:
        raise LinkDead("unknown")
    if link.state is not LinkState.ACTIVE:
        raise LinkDead(link.end_reason or "revoked")
    if link.expires_at is not None and now_ms >= link.expires_at:
        raise LinkDead("expired")
    if link.use_limit is not None and link.use_count >= link.use_limit:
        raise LinkDead("used_up")


def approval_for(link: LinkView, group_mode: JoinApprovalMode) -> JoinApprovalMode:
    """A link may carry its own approval rule; otherwise the group's applies."""
    return link.approval_mode or group_mode
