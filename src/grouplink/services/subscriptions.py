"""Webhook subscriptions and the deliveries made for them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.webhooks import OBJECT, clean_callback_url, clean_verify_token
from grouplink.services.core import Actor, Core
from grouplink.store import businesses, deliveries, queries
from grouplink.store import subscriptions as store
from grouplink.store.deliveries import PENDING
from grouplink.webhooks.handshake import verify_callback

STATES = ("pending", "delivered", "dead")


@dataclass(frozen=True, slots=True)
class Subscription:
    object: str
    callback_url: str
    fields: list[str]


def clean_object(raw: object) -> str:
    if raw != OBJECT:
        raise InvalidParameter(f"object must be '{OBJECT}'")
    return OBJECT


def check_business(business_id: str, path_business_id: str) -> None:
    """The path names the caller's own business, or it is an unknown object."""
    if path_business_id != business_id:
        raise InvalidParameter(
            f"Object with ID '{path_business_id}' does not exist, cannot be loaded due to "
            "missing permissions, or does not support this operation"
        )


async def subscribe(
    core: Core,
    business_id: str,
    callback_url: object,
    verify_token: object,
    fields: list[str],
    actor: Actor,
    *,
    handshake_timeout_s: float,
    allow_private: bool,
) -> Subscription:
    """Check the URL and token, verify the receiver, then add the subscription (or
    update the one at that URL). The checks come first: the handshake would send
    what the database then refuses to store (PostgreSQL) or stores (SQLite)."""
    callback_url = clean_callback_url(callback_url)
    verify_token = clean_verify_token(verify_token)
    await verify_callback(
        callback_url, verify_token, handshake_timeout_s, allow_private=allow_private
    )
    now = core.clock()
    async with core.db.write() as conn:
        await store.save(conn, business_id, callback_url, verify_token, fields, now)
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="webhook.subscribe",
            now=now,
            callback_url=callback_url,
            fields=fields,
        )
    return Subscription(OBJECT, callback_url, fields)


async def list_subscriptions(core: Core, business_id: str) -> list[Subscription]:
    async with core.db.read() as conn:
        found = await store.subscriptions_of(conn, business_id)
    return [Subscription(s.object, s.callback_url, s.fields) for s in found]


async def unsubscribe(
    core: Core,
    business_id: str,
    actor: Actor,
    *,
    callback_url: str | None,
    fields: list[str] | None,
) -> int:
    """Remove subscriptions (all, or the one at ``callback_url``), or only some of their fields."""
    now = core.clock()
    async with core.db.write() as conn:
        rows = await store.subscriptions_of(conn, business_id, callback_url)
        for row in rows:
            keep = [f for f in row.fields if fields is not None and f not in fields]
            if keep:
                await store.set_fields(conn, row.pk, keep, now)
            else:
                await store.remove(conn, row.pk)
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="webhook.unsubscribe",
            now=now,
            callback_url=callback_url,
            fields=fields,
        )
    return len(rows)


async def list_deliveries(
    core: Core, business_id: str, state: str | None, limit: int
) -> list[dict[str, Any]]:
    """Recent deliveries, newest first, each with its last attempt."""
    if state is not None and state not in STATES:
        raise InvalidParameter("state must be one of: " + ", ".join(STATES))
    async with core.db.read() as conn:
        rows = await store.recent_deliveries(conn, business_id, state, limit)
    return [
        {
            "event_id": r.event_id,
            "field": r.field,
            "type": _event_type(r.payload),
            "callback_url": r.callback_url,
            "state": r.state,
            "attempts": r.attempts,
            "created_time": r.created_at // 1000,
            "next_attempt_time": r.next_attempt_at // 1000 if r.state == PENDING else None,
            "attempt_log": [
                {
                    "time": a.attempted_at // 1000,
                    "status_code": a.status_code,
                    "latency_ms": a.latency_ms,
                    "error": a.error,
                    "response_head": a.response_head,
                }
                for a in r.log
            ],
        }
        for r in rows
    ]


def _event_type(payload: str) -> str:
    return str(json.loads(payload).get("type", ""))


async def redeliver(core: Core, business_id: str, actor: Actor, event_ids: list[str] | None) -> int:
    """Queue deliveries again: the given events' (any state), or every dead one."""
    now = core.clock()
    async with core.db.write() as conn:
        count = await deliveries.requeue(conn, business_id, event_ids, now)
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="webhook.redeliver",
            now=now,
            event_ids=event_ids,
            count=count,
        )
    return count


async def business_exists(core: Core, business_id: str) -> bool:
    async with core.db.read() as conn:
        return await businesses.business_exists(conn, business_id)
