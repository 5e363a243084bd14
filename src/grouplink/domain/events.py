"""Webhook events in Meta's shape (see WIRE.md, Webhooks).

Each function returns one item of ``value.groups`` with its webhook ``field``
(a message's statuses, ``value.statuses``, are made in domain/messages.py).
The dispatcher wraps items in the envelope with :func:`envelope`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from grouplink.domain import ids

Json = dict[str, Any]


class Field(StrEnum):
    LIFECYCLE = "group_lifecycle_update"
    PARTICIPANTS = "group_participants_update"
    SETTINGS = "group_settings_update"
    STATUS = "group_status_update"
    MESSAGES = "messages"  # statuses of sent messages (domain/messages.py)


@dataclass(frozen=True, slots=True)
class Event:
    field: Field
    body: Json


def _event(
    field: Field, kind: str, group_id: str, at_ms: int, request_id: str | None = None, **extra: Any
) -> Event:
    """Meta's schema requires ``request_id`` on every event: the id of the API request
    that caused it, or a new one where a person (or the system) did."""
    body = {"timestamp": str(at_ms // 1000), "group_id": group_id, "type": kind}
    return Event(field, {**body, "request_id": request_id or ids.request_id(), **extra})


def person(user_id: str, wa_id: str, **extra: str) -> Json:
    return {"user_id": user_id, "wa_id": wa_id, **extra}


def arrival(user_id: str, wa_id: str, invite_link_id: str | None, approved: bool) -> Json:
    """An ``added_participants`` item: after an approval Meta also echoes the person as
    ``input``; grouplink adds the link they came through (absent where none)."""
    item = person(user_id, wa_id, **({"input": wa_id} if approved else {}))
    if invite_link_id is not None:
        item["invite_link_id"] = invite_link_id
    return item


def group_create(
    group_id: str, at_ms: int, request_id: str, subject: str, invite_link: str, mode: str
) -> Event:
    return _event(
        Field.LIFECYCLE,
        "group_create",
        group_id,
        at_ms,
        request_id=request_id,
        subject=subject,
        invite_link=invite_link,
        join_approval_mode=mode,
    )


def group_delete(group_id: str, at_ms: int, request_id: str) -> Event:
    return _event(Field.LIFECYCLE, "group_delete", group_id, at_ms, request_id=request_id)


def participants_add(
    group_id: str, at_ms: int, added: list[Json], request_id: str | None = None
) -> Event:
    return _event(
        Field.PARTICIPANTS,
        "group_participants_add",
        group_id,
        at_ms,
        request_id,
        reason="invite_link",
        added_participants=added,
    )


def participants_remove(
    group_id: str, at_ms: int, removed: list[Json], initiated_by: str, request_id: str | None
) -> Event:
    extra: Json = {"initiated_by": initiated_by, "removed_participants": removed}
    return _event(
        Field.PARTICIPANTS, "group_participants_remove", group_id, at_ms, request_id, **extra
    )


def join_request_created(
    group_id: str,
    at_ms: int,
    join_request_id: str,
    user_id: str,
    wa_id: str,
    invite_link_id: str,
    answers: list[Json] | None = None,
) -> Event:
    """grouplink adds the link asked through, and the answers where the group asks."""
    extra: Json = {} if answers is None else {"answers": answers}
    return _event(
        Field.PARTICIPANTS,
        "group_join_request_created",
        group_id,
        at_ms,
        join_request_id=join_request_id,
        user_id=user_id,
        wa_id=wa_id,
        reason="invite_link",
        invite_link_id=invite_link_id,
        **extra,
    )


def join_request_revoked(
    group_id: str, at_ms: int, join_request_id: str, user_id: str, wa_id: str, reason: str
) -> Event:
    return _event(
        Field.PARTICIPANTS,
        "group_join_request_revoked",
        group_id,
        at_ms,
        join_request_id=join_request_id,
        user_id=user_id,
        wa_id=wa_id,
        reason=reason,
    )


def settings_update(group_id: str, at_ms: int, request_id: str, changes: Json) -> Event:
    return _event(
        Field.SETTINGS, "group_settings_update", group_id, at_ms, request_id=request_id, **changes
    )


def status_update(group_id: str, at_ms: int, suspended: bool) -> Event:
    kind = "group_suspend" if suspended else "group_suspend_cleared"
    return _event(Field.STATUS, kind, group_id, at_ms)


def envelope(
    business_id: str, phone_number_id: str, display_phone_number: str, field: str, items: list[Json]
) -> Json:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": display_phone_number,
            "phone_number_id": phone_number_id,
        },
        # A message's statuses go in value.statuses, group events in value.groups.
        "statuses" if field == Field.MESSAGES else "groups": items,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": business_id, "changes": [{"field": field, "value": value}]}],
    }
