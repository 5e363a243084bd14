"""A business's webhook subscriptions, and the log of deliveries made for them.

A subscription's fields are kept as one comma-separated text; these functions
take and answer them as lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.webhooks import OBJECT
from grouplink.store.tables import (
    outbox,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)


@dataclass(frozen=True, slots=True)
class Stored:
    pk: int
    object: str
    callback_url: str
    fields: list[str]


@dataclass(frozen=True, slots=True)
class Attempt:
    attempted_at: int
    status_code: int | None  # None: no HTTP answer (refused, timed out)
    latency_ms: int
    error: str | None
    response_head: str | None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event's delivery to one subscription, with every attempt made, oldest first."""

    event_id: str
    field: str
    payload: str  # the event's body as JSON
    created_at: int  # when the event happened
    callback_url: str
    state: str
    attempts: int
    next_attempt_at: int
    finished_at: int | None
    log: list[Attempt]


async def save(
    conn: AsyncConnection,
    business_id: str,
    callback_url: str,
    verify_token: str,
    fields: list[str],
    now: int,
) -> None:
    """Add the subscription at ``callback_url``, or give the one there this token and fields."""
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


async def subscriptions_of(
    conn: AsyncConnection, business_id: str, callback_url: str | None = None
) -> list[Stored]:
    """The business's subscriptions (only the one at ``callback_url``, if given), oldest first."""
    query = sa.select(webhook_subscriptions).where(
        webhook_subscriptions.c.business_id == business_id
    )
    if callback_url is not None:
        query = query.where(webhook_subscriptions.c.callback_url == callback_url)
    rows = await conn.execute(query.order_by(webhook_subscriptions.c.pk))
    return [Stored(r.pk, r.object, r.callback_url, r.fields.split(",")) for r in rows]


async def set_fields(conn: AsyncConnection, pk: int, fields: list[str], now: int) -> None:
    await conn.execute(
        sa.update(webhook_subscriptions)
        .where(webhook_subscriptions.c.pk == pk)
        .values(fields=",".join(fields), updated_at=now)
    )


async def remove(conn: AsyncConnection, pk: int) -> None:
    """The subscription goes, and with it its deliveries and their attempts."""
    await conn.execute(
        sa.delete(webhook_attempts).where(
            webhook_attempts.c.delivery_pk.in_(
                sa.select(webhook_deliveries.c.pk).where(webhook_deliveries.c.subscription_pk == pk)
            )
        )
    )
    await conn.execute(
        sa.delete(webhook_deliveries).where(webhook_deliveries.c.subscription_pk == pk)
    )
    await conn.execute(sa.delete(webhook_subscriptions).where(webhook_subscriptions.c.pk == pk))


async def recent_deliveries(
    conn: AsyncConnection, business_id: str, state: str | None, limit: int
) -> list[Delivery]:
    """The business's last ``limit`` deliveries (only those in ``state``, if given),
    newest first, each with its attempts."""
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
    rows = (await conn.execute(query)).all()
    logs: dict[int, list[Attempt]] = {}
    if rows:
        found = await conn.execute(
            sa.select(webhook_attempts)
            .where(webhook_attempts.c.delivery_pk.in_([r.pk for r in rows]))
            .order_by(webhook_attempts.c.pk)
        )
        for a in found:
            logs.setdefault(a.delivery_pk, []).append(
                Attempt(a.attempted_at, a.status_code, a.latency_ms, a.error, a.response_head)
            )
    return [
        Delivery(
            event_id=r.event_id,
            field=r.field,
            payload=r.payload,
            created_at=r.created_at,
            callback_url=r.callback_url,
            state=r.state,
            attempts=r.attempts,
            next_attempt_at=r.next_attempt_at,
            finished_at=r.finished_at,
            log=logs.get(r.pk, []),
        )
        for r in rows
    ]
