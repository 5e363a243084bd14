"""The messages table: a business's sent messages, each person's sandbox inbox."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store.queries import Row
from grouplink.store.tables import groups, messages, people, phone_numbers


async def phone_number(conn: AsyncConnection, business_id: str, phone_number_id: str) -> Row | None:
    """The business's own number (a send from another's answers as an unknown one)."""
    query = sa.select(phone_numbers).where(
        phone_numbers.c.id == phone_number_id, phone_numbers.c.business_id == business_id
    )
    return (await conn.execute(query)).first()


async def add(
    conn: AsyncConnection,
    *,
    message_id: str,
    number: Row,
    person_pk: int,
    kind: str,
    content: dict[str, Any],
    via: str,
    now: int,
) -> None:
    await conn.execute(
        sa.insert(messages).values(
            id=message_id,
            business_id=number.business_id,
            phone_number_id=number.id,
            person_pk=person_pk,
            type=kind,
            content=json.dumps(content, separators=(",", ":")),
            via=via,
            created_at=now,
        )
    )


async def inbox(
    conn: AsyncConnection, business_id: str, wa_id: str, limit: int
) -> list[dict[str, Any]]:
    """The person's latest ``limit`` messages from this business, newest first, each as
    a WhatsApp user would receive it: id, sender's number, time, type and content."""
    query = (
        sa.select(
            messages.c.id,
            messages.c.type,
            messages.c.content,
            messages.c.created_at,
            phone_numbers.c.id.label("phone_number_id"),
            phone_numbers.c.display_phone_number,
        )
        .join(people, people.c.pk == messages.c.person_pk)
        .join(phone_numbers, phone_numbers.c.id == messages.c.phone_number_id)
        .where(
            people.c.business_id == business_id,
            people.c.wa_id == wa_id,
            messages.c.via == "inbox",
        )
        .order_by(messages.c.pk.desc())
        .limit(limit)
    )
    return [
        {
            "id": row.id,
            "from": row.display_phone_number,
            "phone_number_id": row.phone_number_id,
            "timestamp": str(row.created_at // 1000),
            "type": row.type,
            row.type: json.loads(row.content),
        }
        for row in await conn.execute(query)
    ]


async def group_phone_number(conn: AsyncConnection, group_pk: int) -> str:
    """The number a group was made on: the one its invites are sent from."""
    query = sa.select(groups.c.phone_number_id).where(groups.c.pk == group_pk)
    return str((await conn.execute(query)).scalar_one())
