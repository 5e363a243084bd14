from __future__ import annotations

import pytest

from grouplink.domain.errors import LinkDead
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.ids import invite_code, is_invite_code
from grouplink.domain.links import LinkEnd, LinkState, LinkView, approval_for, check_usable


def link(**changes: object) -> LinkView:
    values: dict[str, object] = {
        "state": LinkState.ACTIVE,
        "end_reason": None,
        "expires_at": None,
        "use_limit": None,
        "use_count": 0,
        "approval_mode": None,
    }
    values.update(changes)
    return LinkView(**values)  # type: ignore[arg-type]


def test_codes_are_22_base62_characters_and_never_repeat() -> None:
    codes = {invite_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(is_invite_code(code) for code in codes)


def test_an_active_link_admits() -> None:
    check_usable(link(), now_ms=1000)


@pytest.mark.parametrize(
    ("view", "reason"),
    [
        (None, "unknown"),
        (link(state=LinkState.REVOKED, end_reason=LinkEnd.RESET), "reset"),
        (link(state=LinkState.REVOKED, end_reason=LinkEnd.DELETED), "deleted"),
        (link(expires_at=1000), "expired"),
        (link(use_limit=3, use_count=3), "used_up"),
    ],
)
def test_dead_links_say_why(view: LinkView | None, reason: str) -> None:
    with pytest.raises(LinkDead) as raised:
        check_usable(view, now_ms=1000)
    assert raised.value.reason == reason


def test_a_link_may_override_the_groups_approval_rule() -> None:
    assert approval_for(link(), JoinApprovalMode.AUTO_APPROVE) is JoinApprovalMode.AUTO_APPROVE
    gated = link(approval_mode=JoinApprovalMode.APPROVAL_REQUIRED)
    assert approval_for(gated, JoinApprovalMode.AUTO_APPROVE) is JoinApprovalMode.APPROVAL_REQUIRED
