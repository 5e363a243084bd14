from __future__ import annotations

import pytest

from grouplink.domain.errors import LinkDead
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.ids import invite_code, is_invite_code
from grouplink.domain.links import (
    LinkEnd,
    LinkState,
    LinkView,
    approval_for,
    check_has_room,
    check_usable,
    paused_until,
    state_of,
)

NOW = 1_000_000


def test_codes_are_22_base62_characters_and_never_repeat() -> None:
    codes = {invite_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(is_invite_code(code) for code in codes)


def test_an_active_link_admits() -> None:
    check_usable(LinkView(revoked=False), now_ms=NOW)


@pytest.mark.parametrize(
    ("view", "state"),
    [
        (LinkView(revoked=False), LinkState.ACTIVE),
        (LinkView(revoked=True, end_reason=LinkEnd.RESET), LinkState.REVOKED),
        (LinkView(revoked=False, expires_at=NOW), LinkState.EXPIRED),
        (LinkView(revoked=False, expires_at=NOW + 1), LinkState.ACTIVE),
        (LinkView(revoked=False, member_limit=3, joined=3), LinkState.USED_UP),
        (LinkView(revoked=False, member_limit=3, joined=2), LinkState.ACTIVE),
        (LinkView(revoked=False, paused_until=NOW + 1), LinkState.PAUSED),
        (LinkView(revoked=False, paused_until=NOW), LinkState.ACTIVE),
        (LinkView(revoked=False, group_paused_until=NOW + 1), LinkState.PAUSED),
        # The first that applies: revoked, then expired, then used up, then paused.
        (LinkView(revoked=True, expires_at=NOW, paused_until=NOW + 1), LinkState.REVOKED),
        (LinkView(revoked=False, expires_at=NOW, member_limit=1, joined=1), LinkState.EXPIRED),
        (
            LinkView(revoked=False, member_limit=1, joined=1, paused_until=NOW + 1),
            LinkState.USED_UP,
        ),
    ],
)
def test_the_state_is_derived_at_the_moment_of_reading(view: LinkView, state: LinkState) -> None:
    assert state_of(view, NOW) is state


def test_an_expired_link_is_expired_from_the_very_millisecond_its_time_passes() -> None:
    view = LinkView(revoked=False, expires_at=NOW)
    assert state_of(view, NOW - 1) is LinkState.ACTIVE
    assert state_of(view, NOW) is LinkState.EXPIRED


@pytest.mark.parametrize(
    ("view", "reason", "end"),
    [
        (None, "unknown", None),
        (LinkView(revoked=True, end_reason=LinkEnd.RESET), "revoked", "reset"),
        (LinkView(revoked=True, end_reason=LinkEnd.DELETED), "revoked", "deleted"),
        (LinkView(revoked=True, end_reason=LinkEnd.REVOKED), "revoked", "revoked"),
        (LinkView(revoked=False, expires_at=NOW), "expired", None),
        (LinkView(revoked=False, member_limit=3, joined=3), "used_up", None),
        (LinkView(revoked=False, group_paused_until=NOW + 5), "paused", None),
    ],
)
def test_refusals_say_why(view: LinkView | None, reason: str, end: str | None) -> None:
    with pytest.raises(LinkDead) as raised:
        check_usable(view, now_ms=NOW)
    assert raised.value.reason == reason
    assert raised.value.details == reason  # what the sandbox answers in error_data.details
    assert raised.value.end == end


def test_the_later_of_the_two_pauses_holds() -> None:
    view = LinkView(revoked=False, paused_until=NOW + 10, group_paused_until=NOW + 99)
    assert paused_until(view, NOW) == NOW + 99
    assert paused_until(LinkView(revoked=False, paused_until=NOW - 1), NOW) is None


def test_room_counts_those_being_admitted_together() -> None:
    view = LinkView(revoked=False, member_limit=10, joined=8)
    check_has_room(view, 2)
    with pytest.raises(LinkDead) as raised:
        check_has_room(view, 3)
    assert raised.value.reason == "used_up"
    check_has_room(LinkView(revoked=False), 10_000)  # no limit


def test_a_link_may_override_the_groups_approval_rule() -> None:
    plain = LinkView(revoked=False)
    assert approval_for(plain, JoinApprovalMode.AUTO_APPROVE) is JoinApprovalMode.AUTO_APPROVE
    gated = LinkView(revoked=False, approval_mode=JoinApprovalMode.APPROVAL_REQUIRED)
    assert approval_for(gated, JoinApprovalMode.AUTO_APPROVE) is JoinApprovalMode.APPROVAL_REQUIRED
