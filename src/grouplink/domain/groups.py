"""Rules for a group's own fields."""

from __future__ import annotations

from enum import StrEnum

from grouplink.domain.errors import InvalidParameter

SUBJECT_MAX = 128
DESCRIPTION_MAX = 2048


class JoinApprovalMode(StrEnum):
    AUTO_APPROVE = "auto_approve"
    APPROVAL_REQUIRED = "approval_required"


class LinkManagers(StrEnum):
    """Who may see, share, reset and delete the group's invite links."""

    ADMINS = "admins"
    ALL = "all"


def clean_subject(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidParameter("subject must be a string")
    subject = value.strip()
    if not subject:
        raise InvalidParameter("subject is required and cannot be blank")
    if len(subject) > SUBJECT_MAX:
        raise InvalidParameter(f"subject is longer than {SUBJECT_MAX} characters")
    return subject


def clean_description(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidParameter("description must be a string")
    if len(value) > DESCRIPTION_MAX:
        raise InvalidParameter(f"description is longer than {DESCRIPTION_MAX} characters")
    return value


def clean_join_approval_mode(value: object) -> JoinApprovalMode:
    try:
        return JoinApprovalMode(str(value))
    except ValueError:
        allowed = ", ".join(m.value for m in JoinApprovalMode)
        raise InvalidParameter(f"join_approval_mode must be one of: {allowed}") from None


def clean_link_managers(value: object) -> LinkManagers:
    try:
        return LinkManagers(str(value))
    except ValueError:
        allowed = ", ".join(m.value for m in LinkManagers)
        raise InvalidParameter(f"link_managers must be one of: {allowed}") from None
