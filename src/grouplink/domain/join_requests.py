"""A request to join: the states it goes through, and how many one call decides."""

from __future__ import annotations

from enum import StrEnum

from grouplink.domain.errors import InvalidParameter

MAX_DECISIONS = 1024  # join requests one approve or reject names


class RequestState(StrEnum):
    PENDING = "pending"  # waiting for an admin; every other state is final
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # withdrawn by the person, or ended by their joining


def clean_request_ids(raw: object) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise InvalidParameter("join_requests must be a non-empty list of join request ids")
    if len(raw) > MAX_DECISIONS:
        raise InvalidParameter(f"At most {MAX_DECISIONS} join requests per call")
    if not all(isinstance(item, str) and item for item in raw):
        raise InvalidParameter("Every join request id must be a non-empty string")
    return list(dict.fromkeys(raw))
