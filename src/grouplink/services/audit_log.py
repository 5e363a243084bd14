"""A group's audit log, newest first: who did what to it, to which link, through which door.

The business that owns the group reads it through the Graph API; the group's admins
too, in the console (``Ability.MODERATE``: the people who run the group, never a
plain member). A deleted group's log stays readable by its business.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from grouplink.domain.actors import DOORS
from grouplink.domain.errors import GroupUnknown, InvalidParameter
from grouplink.domain.permissions import Ability
from grouplink.services.core import Actor, Core
from grouplink.services.groups import authorize
from grouplink.services.who import Who, who_of
from grouplink.store import audit, queries
from grouplink.store.paging import Page, page_rows
from grouplink.store.queries import Row

# Every action the log knows (WIRE.md, "Audit log"), by family.
ACTIONS: dict[str, tuple[str, ...]] = {
    "group": ("create", "update", "delete", "suspend", "unsuspend"),
    "link": ("create", "update", "delete", "revoke", "reset", "rotate"),
    "join_request": ("create", "cancel", "approve", "reject"),
    "participants": ("add", "leave", "remove", "promote", "demote", "ban", "unban"),
    "webhook": ("subscribe", "unsubscribe", "redeliver"),
    "message": ("send",),
}
ACTION_NAMES = tuple(f"{family}.{verb}" for family, verbs in ACTIONS.items() for verb in verbs)


def clean_action(value: str | None) -> str | None:
    """An exact action name, or a family (``link``, ``link.*``) as the prefix ``link.``."""
    if not value:
        return None
    family = value.removesuffix(".*")
    if family in ACTIONS:
        return family + "."
    if value in ACTION_NAMES:
        return value
    families = ", ".join(f"{f} ({f}.*)" for f in ACTIONS)
    raise InvalidParameter(
        f"Unknown action '{value}'. Use one of: {', '.join(ACTION_NAMES)}; or a family: {families}"
    )


def clean_door(value: str | None) -> str | None:
    if not value:
        return None
    if value not in DOORS:
        raise InvalidParameter(f"Unknown door '{value}'. Use one of: {', '.join(DOORS)}")
    return value


@dataclass(frozen=True, slots=True)
class LinkRef:
    id: str
    name: str
    is_primary: bool  # the group's working primary link now


@dataclass(frozen=True, slots=True)
class Target:
    """What was acted on: the group, one invite link, some participants or join requests.

    ``link`` is the invite link involved (the one made, changed or ended; the one people
    came through or asked through); ``ids`` the join request ids or the participants'
    wa_ids."""

    kind: Literal["group", "invite_link", "participants", "join_requests"]
    group_id: str
    link: LinkRef | None = None
    ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    at: int  # unix milliseconds
    action: str
    door: str
    who: Who
    target: Target
    details: dict[str, Any] = field(default_factory=dict)


async def read_log(
    core: Core,
    business_id: str,
    group_id: str,
    actor: Actor,
    *,
    action: str | None = None,
    door: str | None = None,
    limit: int = 25,
    after: str | None = None,
    before: str | None = None,
) -> Page[Entry]:
    """One page of the group's log; ``action`` and ``door`` as :func:`clean_action` and
    :func:`clean_door` give them."""
    scope = f"audit_log:{group_id}:{action or ''}:{door or ''}"
    async with core.db.read() as conn:
        group = await audit.group_with_log(conn, business_id, group_id)
        if group is None or (group.deleted_at is not None and actor.wa_id is not None):
            raise GroupUnknown(f"No group with id {group_id}")
        await authorize(conn, group, actor, Ability.MODERATE)
        base = audit.listing(group.pk, action, door)
        rows = await page_rows(conn, core.secret, scope, base, audit.ORDER, limit, after, before)
    secret = queries.people_secret_of(business_id, core.secret.decode())
    entries = [_entry(row, group.id, core.secret, secret) for row in rows.rows]
    return rows.page(core.secret, scope, entries)


def _entry(row: Row, group_id: str, server_secret: bytes, people_secret: str) -> Entry:
    details: dict[str, Any] = json.loads(row.detail or "{}")
    who = who_of(row.actor, people_secret, row.token_id)
    return Entry(
        id=hmac.new(server_secret, f"audit:{row.pk}".encode(), hashlib.sha256).hexdigest()[:24],
        at=row.created_at,
        action=row.action,
        door=row.door,
        who=who,
        target=_target(row, group_id, details, who),
        details=details,
    )


def _target(row: Row, group_id: str, details: dict[str, Any], who: Who) -> Target:
    link = None if row.link_id is None else LinkRef(row.link_id, row.link_name, row.link_primary)
    if row.action.startswith("group."):
        return Target("group", group_id, link)
    requests = details.get("join_request_ids") or (
        [details["join_request_id"]] if "join_request_id" in details else []
    )
    if requests:
        return Target("join_requests", group_id, link, tuple(requests))
    wa_ids = details.get("wa_ids") or []
    if not wa_ids and row.action == "participants.leave" and who.person is not None:
        wa_ids = [who.person.wa_id]  # the one who left is who acted
    if wa_ids:
        return Target("participants", group_id, link, tuple(wa_ids))
    if link is not None:
        return Target("invite_link", group_id, link)
    return Target("group", group_id)
