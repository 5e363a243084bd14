"""The audit log's rows: written in each change's own transaction, read newest first."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.actors import Actor
from grouplink.store import committed, journal
from grouplink.store.tables import audit_log, groups, invite_links


async def audit(
    conn: AsyncConnection,
    *,
    business_id: str,
    actor: Actor,
    action: str,
    now: int,
    group_pk: int | None = None,
    link_pk: int | None = None,
    **detail: Any,
) -> None:
    row = journal.audit_row(business_id, actor, action, now, group_pk, link_pk, detail)
    await conn.execute(_INSERT_AUDIT, row)
    committed.note(conn, action, detail)  # what the metrics count, once committed


_INSERT_AUDIT = sa.insert(audit_log)


async def group_with_log(conn: AsyncConnection, business_id: str, group_id: str) -> Any:
    """The business's group, deleted or not: a deleted group's log stays readable."""
    if not (group_id.isascii() and group_id.isalnum()):
        return None
    query = sa.select(groups).where(groups.c.id == group_id, groups.c.business_id == business_id)
    return (await conn.execute(query)).first()


def listing(group_pk: int, action: str | None, door: str | None) -> sa.Select[Any]:
    """The group's entries with the link each names; ``action`` ending in ``.`` is a family."""
    query = (
        sa.select(
            audit_log,
            invite_links.c.id.label("link_id"),
            invite_links.c.name.label("link_name"),
            invite_links.c.is_primary.label("link_primary"),
        )
        .outerjoin(invite_links, invite_links.c.pk == audit_log.c.link_pk)
        .where(audit_log.c.group_pk == group_pk)
    )
    if action is not None and action.endswith("."):
        query = query.where(audit_log.c.action.startswith(action, autoescape=True))
    elif action is not None:
        query = query.where(audit_log.c.action == action)
    if door is not None:
        query = query.where(audit_log.c.door == door)
    return query


ORDER = audit_log.c.pk
