"""Audit rows that say which link each person or request came through: one row per link
for an action done to several at once, so that each link's figures (insights) can be
counted from the log and agree with it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from grouplink.services.core import Actor
from grouplink.store import journal
from grouplink.store.driver import Tx


def audit_by_link(
    tx: Tx,
    group: Any,
    actor: Actor,
    action: str,
    now: int,
    key: str,
    items: Iterable[tuple[int | None, str]],
) -> None:
    """One ``action`` row per link, listing under ``key`` the (link pk, id) items' ids."""
    for link_pk, values in journal.by_link(items).items():
        journal.audit(
            tx,
            business_id=group.business_id,
            actor=actor,
            action=action,
            now=now,
            group_pk=group.pk,
            link_pk=link_pk,
            **{key: values},
        )
