"""Webhook subscriptions and the deliveries made for them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.webhooks import OBJECT, clean_callback_url, clean_verify_token
from grouplink.services.core import Actor, Core
from grouplink.store import queries
from grouplink.store.deliveries import DEAD, PENDING
from grouplink.store.tables import (
    businesses,
    outbox,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)
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
        existing = (
            await conn.execute(
                sa.select(webhook_subscriptions.c.pk).where(
                    webhook_subscriptions.c.business_id == business_id,
                    webhook_subscriptions.c.callback_url == callback_url,
                )
            )
        ).first()
        values = {"verify_token": verify_token, "fields": ",".join(fields), "updated_at": now}
        if existing is None:
            await conn.execute(
                sa.insert(webhook_subscriptions).values(
                    business_id=business_id,
                    object=OBJECT,
                    callback_url=callback_url,
                    created_at=now,
                    **values,
                )
            )
        else:
            await conn.execute(
                sa.update(webhook_subscriptions)
                .where(webhook_subscriptions.c.pk == existing.pk)
                .values(**values)
            )
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
        rows = await conn.execute(
            sa.select(webhook_subscriptions)
            .where(webhook_subscriptions.c.business_id == business_id)
            .order_by(webhook_subscriptions.c.pk)
        )
        return [Subscription(r.object, r.callback_url, r.fields.split(",")) for r in rows]


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
        where = [webhook_subscriptions.c.business_id == business_id]
        if callback_url is not None:
            where.append(webhook_subscriptions.c.callback_url == callback_url)
        rows = (await conn.execute(sa.select(webhook_subscriptions).where(*where))).all()
        for row in rows:
            keep = [f for f in row.fields.split(",") if fields is not None and f not in fields]
            if keep:
                await conn.execute(
                    sa.update(webhook_subscriptions)
                    .where(webhook_subscriptions.c.pk == row.pk)
                    .values(fields=",".join(keep), updated_at=now)
                )
            else:
                await conn.execute(
                    sa.delete(webhook_attempts).where(
                        webhook_attempts.c.delivery_pk.in_(
                            sa.select(webhook_deliveries.c.pk).where(
                                webhook_deliveries.c.subscription_pk == row.pk
                            )
                        )
                    )
                )
                await conn.execute(
                    sa.delete(webhook_deliveries).where(
                        webhook_deliveries.c.subscription_pk == row.pk
                    )
                )
                await conn.execute(
                    sa.delete(webhook_subscriptions).where(webhook_subscriptions.c.pk == row.pk)
                )
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
    query = (
        sa.select(
            webhook_deliveries.c.pk,
            webhook_deliveries.c.state,
            webhook_deliveries.c.attempts,
            webhook_deliveries.c.next_attempt_at,
            webhook_deliveries.c.finished_at,
            outbox.c.id.label("event_id"),
            outbox.c.field,
            outbox.c.payload,
            outbox.c.created_at,
            webhook_subscriptions.c.callback_url,
        )
        .join(outbox, outbox.c.pk == webhook_deliveries.c.event_pk)
        .join(
            webhook_subscriptions,
            webhook_subscriptions.c.pk == webhook_deliveries.c.subscription_pk,
        )
        .where(webhook_subscriptions.c.business_id == business_id)
        .order_by(webhook_deliveries.c.pk.desc())
        .limit(limit)
    )
    if state is not None:
        query = query.where(webhook_deliveries.c.state == state)
    async with core.db.read() as conn:
        rows = (await conn.execute(query)).all()
        attempts: dict[int, list[Any]] = {}
        if rows:
            found = await conn.execute(
                sa.select(webhook_attempts)
                .where(webhook_attempts.c.delivery_pk.in_([r.pk for r in rows]))
                .order_by(webhook_attempts.c.pk)
            )
            for attempt in found:
                attempts.setdefault(attempt.delivery_pk, []).append(attempt)
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
                for a in attempts.get(r.pk, [])
            ],
        }
        for r in rows
    ]


def _event_type(payload: str) -> str:
    return str(json.loads(payload).get("type", ""))


async def redeliver(core: Core, business_id: str, actor: Actor, event_ids: list[str] | None) -> int:
    """Queue deliveries again: the given events' (any state), or every dead one."""
    now = core.clock()
    mine = sa.select(webhook_subscriptions.c.pk).where(
        webhook_subscriptions.c.business_id == business_id
    )
    where: list[sa.ColumnElement[bool]] = [webhook_deliveries.c.subscription_pk.in_(mine)]
    if event_ids is None:
        where.append(webhook_deliveries.c.state == DEAD)
    else:
        events = sa.select(outbox.c.pk).where(
            outbox.c.id.in_(event_ids), outbox.c.business_id == business_id
        )
        where.append(webhook_deliveries.c.event_pk.in_(events))
        # Never hand a delivery that a worker is sending right now to a second one.
        where.append(
            sa.or_(
                webhook_deliveries.c.state != PENDING,
                webhook_deliveries.c.lease_until.is_(None),
                webhook_deliveries.c.lease_until <= now,
            )
        )
    async with core.db.write() as conn:
        result = await conn.execute(
            sa.update(webhook_deliveries)
            .where(*where)
            .values(
                state=PENDING,
                next_attempt_at=now,
                window_start=now,
                finished_at=None,
                lease_until=None,
                leased_by=None,
            )
        )
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="webhook.redeliver",
            now=now,
            event_ids=event_ids,
            count=result.rowcount,
        )
    return int(result.rowcount)


async def business_exists(core: Core, business_id: str) -> bool:
    async with core.db.read() as conn:
        query = sa.select(businesses.c.id).where(businesses.c.id == business_id)
        return (await conn.execute(query)).first() is not None
