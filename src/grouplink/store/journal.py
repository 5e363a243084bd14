"""The rows a change leaves behind it in its own transaction: its webhook event in the
outbox and its entry in the audit log. One builder of each row serves both ways of
writing: SQLAlchemy's (:func:`grouplink.store.queries.emit_for`,
:func:`grouplink.store.audit.audit`) and the driver's (:func:`emit`, :func:`audit`)."""

from __future__ import annotations

import json
from typing import Any

from grouplink.domain import ids
from grouplink.domain.actors import Actor
from grouplink.domain.events import Event
from grouplink.store.driver import Statement, Tx


def event_row(business_id: str, phone_number_id: str, event: Event, now: int) -> dict[str, Any]:
    return {
        "id": ids.event_id(),
        "business_id": business_id,
        "phone_number_id": phone_number_id,
        "field": event.field,
        "payload": _json(event.body),
        "created_at": now,
    }


def audit_row(
    business_id: str,
    actor: Actor,
    action: str,
    now: int,
    group_pk: int | None,
    link_pk: int | None,
    detail: dict[str, Any],
) -> dict[str, Any]:
    return {
        "business_id": business_id,
        "group_pk": group_pk,
        "link_pk": link_pk,
        "actor": actor.label,
        "door": actor.door,
        "token_id": actor.token_id,
        "action": action,
        "detail": _json(detail),
        "created_at": now,
    }


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def emit(tx: Tx, business_id: str, phone_number_id: str, event: Event, now: int) -> None:
    """Write a webhook event to the outbox, inside ``tx``."""
    tx.run(_INSERT_EVENT, **event_row(business_id, phone_number_id, event, now))


def audit(
    tx: Tx,
    *,
    business_id: str,
    actor: Actor,
    action: str,
    now: int,
    group_pk: int | None = None,
    link_pk: int | None = None,
    **detail: Any,
) -> None:
    """An audit-log entry, inside ``tx``; its listeners hear of it once ``tx`` commits."""
    tx.run(_INSERT_AUDIT, **audit_row(business_id, actor, action, now, group_pk, link_pk, detail))
    tx.did(action, detail)  # what the metrics count, once committed


def by_link(items: Any) -> dict[int | None, list[str]]:
    """(link pk, value) items, grouped by link in the order each link first comes."""
    grouped: dict[int | None, list[str]] = {}
    for link_pk, value in items:
        grouped.setdefault(link_pk, []).append(value)
    return grouped


_INSERT_EVENT = Statement(
    "INSERT INTO outbox (id, business_id, phone_number_id, field, payload, created_at)"
    " VALUES (:id, :business_id, :phone_number_id, :field, :payload, :created_at)"
)
_INSERT_AUDIT = Statement(
    "INSERT INTO audit_log (business_id, group_pk, link_pk, actor, door, token_id, action,"
    " detail, created_at) VALUES (:business_id, :group_pk, :link_pk, :actor, :door,"
    " :token_id, :action, :detail, :created_at)"
)
