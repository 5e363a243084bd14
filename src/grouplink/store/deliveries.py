"""The outbox's way out: fan-out into deliveries, claiming with leases, recording attempts.

Claims work on both backends: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets any
number of workers claim side by side; on SQLite the write lock serialises
claims. A lease that runs out (a worker killed mid-batch) makes its deliveries
claimable again, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.tables import (
    businesses,
    outbox,
    phone_numbers,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


@dataclass(frozen=True, slots=True)
class Claimed:
    pk: int
    attempts: int
    window_start: int
    event_id: str
    business_id: str
    phone_number_id: str
    display_phone_number: str
    field: str
    payload: str
    callback_url: str
    app_secret: str


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery_pk: int
    attempted_at: int
    status_code: int | None
    latency_ms: int
    error: str | None
    response_head: str | None
    refused: bool = False  # not sent, and sending again would be refused the same way

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def work_waiting(conn: AsyncConnection, now: int) -> bool:
    """Whether an event awaits fan-out or a delivery is due (a cheap, indexed read)."""
    new_event = sa.select(outbox.c.pk).where(outbox.c.fanned_out_at.is_(None)).limit(1)
    due = (
        sa.select(webhook_deliveries.c.pk)
        .where(webhook_deliveries.c.state == PENDING, webhook_deliveries.c.next_attempt_at <= now)
        .limit(1)
    )
    query = sa.select(sa.or_(sa.exists(new_event), sa.exists(due)))
    return bool(await conn.scalar(query))


async def fan_out(conn: AsyncConnection, now: int, limit: int) -> int:
    """One delivery per new event and subscription that wants its field; returns events done."""
    events_query = (
        sa.select(outbox.c.pk, outbox.c.business_id, outbox.c.field, outbox.c.created_at)
        .where(outbox.c.fanned_out_at.is_(None))
        .order_by(outbox.c.pk)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    events = (await conn.execute(events_query)).all()
    if not events:
        return 0
    subs_query = sa.select(
        webhook_subscriptions.c.pk,
        webhook_subscriptions.c.business_id,
        webhook_subscriptions.c.fields,
        webhook_subscriptions.c.created_at,
    ).where(webhook_subscriptions.c.business_id.in_({e.business_id for e in events}))
    subscriptions: dict[str, list[Any]] = {}
    for sub in await conn.execute(subs_query):
        subscriptions.setdefault(sub.business_id, []).append(sub)
    rows = [
        {
            "event_pk": event.pk,
            "subscription_pk": sub.pk,
            "state": PENDING,
            "next_attempt_at": now,
            "window_start": now,
        }
        for event in events
        for sub in subscriptions.get(event.business_id, ())
        # Only events that happened while the subscription existed.
        if event.field in sub.fields.split(",") and sub.created_at <= event.created_at
    ]
    if rows:
        await conn.execute(sa.insert(webhook_deliveries), rows)
    await conn.execute(
        sa.update(outbox).where(outbox.c.pk.in_([e.pk for e in events])).values(fanned_out_at=now)
    )
    return len(events)


async def claim(
    conn: AsyncConnection, worker: str, now: int, lease_ms: int, limit: int
) -> list[Claimed]:
    due = (
        sa.select(webhook_deliveries.c.pk)
        .where(
            webhook_deliveries.c.state == PENDING,
            webhook_deliveries.c.next_attempt_at <= now,
            sa.or_(
                webhook_deliveries.c.lease_until.is_(None),
                webhook_deliveries.c.lease_until <= now,
            ),
        )
        .order_by(webhook_deliveries.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    pks = list((await conn.execute(due)).scalars())
    if not pks:
        return []
    await conn.execute(
        sa.update(webhook_deliveries)
        .where(webhook_deliveries.c.pk.in_(pks))
        .values(lease_until=now + lease_ms, leased_by=worker)
    )
    details = (
        sa.select(
            webhook_deliveries.c.pk,
            webhook_deliveries.c.attempts,
            webhook_deliveries.c.window_start,
            outbox.c.id.label("event_id"),
            outbox.c.business_id,
            outbox.c.phone_number_id,
            phone_numbers.c.display_phone_number,
            outbox.c.field,
            outbox.c.payload,
            webhook_subscriptions.c.callback_url,
            businesses.c.app_secret,
        )
        .join(outbox, outbox.c.pk == webhook_deliveries.c.event_pk)
        .join(
            webhook_subscriptions,
            webhook_subscriptions.c.pk == webhook_deliveries.c.subscription_pk,
        )
        .join(businesses, businesses.c.id == outbox.c.business_id)
        .join(phone_numbers, phone_numbers.c.id == outbox.c.phone_number_id)
        .where(webhook_deliveries.c.pk.in_(pks))
        .order_by(webhook_deliveries.c.pk)
    )
    return [Claimed(**row._mapping) for row in await conn.execute(details)]


async def record(
    conn: AsyncConnection,
    worker: str,
    outcomes: list[tuple[Outcome, str, int | None]],
) -> None:
    """Write each attempt and move its delivery on: ``(outcome, new_state, next_attempt_at)``.

    Only deliveries this worker still holds are moved, so a worker whose lease
    ran out cannot overwrite the work of the one that took over.
    """
    if not outcomes:
        return
    await conn.execute(
        sa.insert(webhook_attempts),
        [
            {
                "delivery_pk": o.delivery_pk,
                "attempted_at": o.attempted_at,
                "status_code": o.status_code,
                "latency_ms": o.latency_ms,
                "error": o.error,
                "response_head": o.response_head,
                "worker": worker,
            }
            for o, _, _ in outcomes
        ],
    )
    # The common case, success, is one statement for the whole batch.
    delivered = [o.delivery_pk for o, state, _ in outcomes if state == DELIVERED]
    if delivered:
        await conn.execute(
            sa.update(webhook_deliveries)
            .where(webhook_deliveries.c.pk.in_(delivered), webhook_deliveries.c.leased_by == worker)
            .values(
                state=DELIVERED,
                attempts=webhook_deliveries.c.attempts + 1,
                finished_at=max(o.attempted_at for o, _, _ in outcomes),
                lease_until=None,
                leased_by=None,
            )
        )
    others = [(o, state, next_at) for o, state, next_at in outcomes if state != DELIVERED]
    if not others:
        return
    statement = (
        sa.update(webhook_deliveries)
        .where(
            webhook_deliveries.c.pk == sa.bindparam("b_pk"),
            webhook_deliveries.c.leased_by == worker,
        )
        .values(
            state=sa.bindparam("b_state"),
            attempts=webhook_deliveries.c.attempts + 1,
            next_attempt_at=sa.bindparam("b_next"),
            finished_at=sa.bindparam("b_finished"),
            lease_until=None,
            leased_by=None,
        )
    )
    await conn.execute(
        statement,
        [
            {
                "b_pk": o.delivery_pk,
                "b_state": state,
                "b_next": next_at if next_at is not None else o.attempted_at,
                "b_finished": None if state == PENDING else o.attempted_at,
            }
            for o, state, next_at in others
        ],
    )


async def release(conn: AsyncConnection, worker: str, pks: list[int]) -> None:
    """Give back deliveries this worker claimed but will not send (shutdown)."""
    if pks:
        await conn.execute(
            sa.update(webhook_deliveries)
            .where(webhook_deliveries.c.pk.in_(pks), webhook_deliveries.c.leased_by == worker)
            .values(lease_until=None, leased_by=None)
        )


async def requeue(
    conn: AsyncConnection, business_id: str, event_ids: list[str] | None, now: int
) -> int:
    """Make the business's deliveries due now, as if new: the given events' in any
    state, or (None) every dead one. How many were."""
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
    return int(result.rowcount)


@dataclass(frozen=True, slots=True)
class Backlog:
    events: int  # events not yet delivered to every subscription that wants them
    deliveries: int  # deliveries waiting for their first try or a retry
    oldest_at: int | None  # when the oldest of those events happened (unix ms)


async def backlog(conn: AsyncConnection) -> Backlog:
    """What the dispatchers still have to do, in one statement on indexed columns: the
    events not yet fanned out, and the pending deliveries with their events."""
    new = (
        sa.select(sa.func.count().label("events"), sa.func.min(outbox.c.created_at).label("oldest"))
        .where(outbox.c.fanned_out_at.is_(None))
        .subquery()
    )
    due = (
        sa.select(
            sa.func.count(sa.distinct(webhook_deliveries.c.event_pk)).label("events"),
            sa.func.count().label("deliveries"),
            sa.func.min(outbox.c.created_at).label("oldest"),
        )
        .join(outbox, outbox.c.pk == webhook_deliveries.c.event_pk)
        .where(webhook_deliveries.c.state == PENDING)
        .subquery()
    )
    # Two aggregates without GROUP BY: one row each, so their join is one row.
    query = sa.select(new, due).select_from(new.join(due, sa.true()))
    row = (await conn.execute(query)).one()
    oldest = [at for at in (row[1], row[4]) if at is not None]
    return Backlog(row[0] + row[2], row[3], min(oldest) if oldest else None)
