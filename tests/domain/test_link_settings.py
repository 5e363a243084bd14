from __future__ import annotations

import pytest

from grouplink.domain.days import DAY_MS
from grouplink.domain.errors import InvalidParameter
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.link_settings import (
    KEEP,
    LinkChanges,
    check_primary_changes,
    clean_link_changes,
    clean_pause,
    clean_rotation_days,
    next_rotation,
)
from grouplink.domain.people import UserRef

NOW = 1_800_000_000_000


def test_only_the_fields_sent_change() -> None:
    changes = clean_link_changes({"name": "  Poster  ", "member_limit": "10"}, NOW)
    assert changes == LinkChanges(name="Poster", member_limit=10)
    assert changes.expires_at is KEEP and not changes.is_empty()
    assert clean_link_changes({"messaging_product": "whatsapp"}, NOW).is_empty()


def test_null_clears_a_field() -> None:
    changes = clean_link_changes(
        {
            "expire_time": None,
            "member_limit": None,
            "join_approval_mode": None,
            "allowed_users": None,
        },
        NOW,
    )
    assert changes == LinkChanges(
        expires_at=None, member_limit=None, approval_mode=None, allowed_users=None
    )


def test_times_arrive_in_seconds_and_are_kept_in_milliseconds() -> None:
    soon = NOW // 1000 + 60
    changes = clean_link_changes(
        {"expire_time": soon, "paused_until": soon, "join_approval_mode": "approval_required"},
        NOW,
    )
    assert changes.expires_at == changes.paused_until == soon * 1000
    assert changes.approval_mode is JoinApprovalMode.APPROVAL_REQUIRED


def test_a_new_link_may_start_paused() -> None:
    changes = clean_link_changes({"paused_until": NOW // 1000 + 60}, NOW)
    assert changes.paused_until == (NOW // 1000 + 60) * 1000


def test_the_primary_link_may_only_be_renamed_and_paused() -> None:
    check_primary_changes(clean_link_changes({"name": "Main", "paused_until": 0}, NOW))
    for body in (
        {"member_limit": 5},
        {"expire_time": NOW // 1000 + 60},
        {"join_approval_mode": None},
        {"allowed_users": None},
    ):
        with pytest.raises(InvalidParameter) as raised:
            check_primary_changes(clean_link_changes(body, NOW))
        assert next(iter(body)) in raised.value.details


def test_people_are_named_by_phone_or_by_bsuid() -> None:
    changes = clean_link_changes(
        {"allowed_users": [{"user": "+1 555-010-0001"}, {"user_id": "US.123"}]}, NOW
    )
    assert changes.allowed_users == [
        UserRef("+1 555-010-0001", wa_id="15550100001"),
        UserRef("US.123", user_id="US.123"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5},
        {"name": "x" * 33},
        {"expire_time": NOW // 1000},  # now is not the future
        {"expire_time": NOW // 1000 + 11 * 366 * 86_400},
        {"expire_time": 1.5},
        {"member_limit": 0},
        {"member_limit": 100_000},
        {"member_limit": False},
        {"member_limit": "ten"},
        {"join_approval_mode": "maybe"},
        {"allowed_users": []},
        {"allowed_users": [{"user": "1", "user_id": "US.1"}]},
        {"allowed_users": [{"user_id": "not a bsuid"}]},
        {"allowed_users": [{"user": "12"}] * 1025},
    ],
)
def test_bad_values_are_refused_with_a_clear_error(body: dict[str, object]) -> None:
    with pytest.raises(InvalidParameter) as raised:
        clean_link_changes(body, NOW)
    assert raised.value.details


def test_a_pause_of_zero_or_null_resumes() -> None:
    assert clean_pause(0, "paused_until", NOW) is None
    assert clean_pause(None, "paused_until", NOW) is None
    assert clean_pause("0", "paused_until", NOW) is None
    with pytest.raises(InvalidParameter):
        clean_pause(NOW // 1000 - 1, "paused_until", NOW)


def test_rotation_is_0_to_365_days_from_the_moment_it_is_set() -> None:
    assert clean_rotation_days(0) == 0 and clean_rotation_days("365") == 365
    assert clean_rotation_days(None) == 0
    for bad in (-1, 366, "weekly", True, 2.5):
        with pytest.raises(InvalidParameter):
            clean_rotation_days(bad)
    assert next_rotation(NOW, 7) == NOW + 7 * DAY_MS
    assert next_rotation(NOW, 0) is None
