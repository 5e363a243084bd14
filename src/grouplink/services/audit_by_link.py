"""Audit rows that say which link each person or request came through: one row per link
for an action done to several at once, so that each link's figures (insights) can be
counted from the log and agree with it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.services.core import Actor
from grouplink.store import queries
from grouplink.store.queries import Row


async def audit_by_link(
    conn: AsyncConnection,
    group: Row,
    actor: Actor,
    action: str,
    now: int,
    key: str,
    items: Iterable[tuple[int | None, str]],
) -> None:
    """One ``action`` row per link, listing under ``key`` the (link pk, id) items' ids."""
    by_link: dict[int | None, list[str]] = {}
    for link_pk, value in items:
        by_link.setdefault(link_pk, []).append(value)
    for link_pk, values in by_link.items():
        await queries.audit(
            conn,
            business_id=group.business_id,
            actor=actor,
            action=action,
            now=now,
            group_pk=group.pk,
            link_pk=link_pk,
            **{key: values},
        )
