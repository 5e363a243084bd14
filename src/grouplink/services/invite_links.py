"""A group's invite links beyond Meta's one (WIRE.md L1-L5): make, list, read, edit, revoke.

Every call needs the ability to manage the group's invite links; every write holds
the group's row lock, so a revoke or an edit is in force for the next join.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain import ids
from grouplink.domain.errors import InvalidParameter
from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.link_settings import (
    KEEP,
    MAX_OTHER_LINKS,
    LinkChanges,
    check_primary_changes,
)
from grouplink.domain.links import LinkState, state_of
from grouplink.domain.people import UserRef
from grouplink.domain.permissions import Ability
from grouplink.services.core import Actor, Core
from grouplink.services.groups import authorize, readable_group, writable_group
from grouplink.services.who import PersonRef, Who, who_of
from grouplink.store import links, queries
from grouplink.store.paging import Page, page_rows
from grouplink.store.queries import Row


@dataclass(frozen=True, slots=True)
class LinkCounts:
    opens: int
    join_requests: int
    joined: int
    approved: int
    rejected: int
    left: int


@dataclass(frozen=True, slots=True)
class LinkDetails:
    """One invite link as its managers see it; times in unix milliseconds."""

    id: str
    url: str
    is_primary: bool
    name: str
    state: LinkState
    expires_at: int | None
    member_limit: int | None
    approval_mode: JoinApprovalMode | None  # None: the group's rule
    allowed_users: list[PersonRef] | None  # None: anyone with the link
    paused_until: int | None  # the link's own pause (the group's is a group setting)
    paused_by_group_until: int | None
    created_at: int
    revoked_at: int | None
    created_by: Who
    counts: LinkCounts


async def list_links(
    core: Core,
    business_id: str,
    group_id: str,
    actor: Actor,
    *,
    state: LinkState | None = None,
    limit: int = 25,
    after: str | None = None,
    before: str | None = None,
) -> Page[LinkDetails]:
    """The primary link first, then the others, newest first."""
    group = await readable_group(core, business_id, group_id)
    scope = f"invite_links:{group.id}:{state or ''}"
    now = core.clock()
    async with core.db.read() as conn:
        await authorize(conn, group, actor, Ability.MANAGE_LINK)
        base, order = links.listing(group.pk, state, now)
        rows = await page_rows(conn, core.secret, scope, base, order, limit, after, before)
        details = await _details(conn, core, group, rows.rows, now, pk="link_pk")
    return rows.page(core.secret, scope, details)


async def get_link(
    core: Core, business_id: str, group_id: str, link_id: str, actor: Actor
) -> LinkDetails:
    group = await readable_group(core, business_id, group_id)
    async with core.db.read() as conn:
        await authorize(conn, group, actor, Ability.MANAGE_LINK)
        return await _one(conn, core, group, link_id)


async def create_link(
    core: Core, business_id: str, group_id: str, actor: Actor, changes: LinkChanges
) -> tuple[str, LinkDetails]:
    """A new working link besides the primary, and the request id of the call."""
    now = core.clock()
    async with core.db.write() as conn:
        group = await writable_group(conn, business_id, group_id, actor, Ability.MANAGE_LINK)
        if await links.count_working_others(conn, group.pk, now) >= MAX_OTHER_LINKS:
            raise InvalidParameter(
                f"A group can have {MAX_OTHER_LINKS} working invite links besides its primary "
                "link; revoke one before making another"
            )
        link = await links.create_link(
            conn, group.pk, actor.label, now, primary=False, settings=_columns(changes)
        )
        await _apply_allowed(conn, core, group, link.pk, changes)
        await queries.audit(
            conn,
            business_id=group.business_id,
            actor=actor,
            action="link.create",
            now=now,
            group_pk=group.pk,
            link_pk=link.pk,
            **_audited(changes),
        )
        return ids.request_id(), await _one(conn, core, group, link.id)


async def edit_link(
    core: Core, business_id: str, group_id: str, link_id: str, actor: Actor, changes: LinkChanges
) -> LinkDetails:
    """Change a working link; a revoked one stays as it ended."""
    if changes.is_empty():
        raise InvalidParameter(
            "Nothing to change: pass name, expire_time, member_limit, join_approval_mode, "
            "allowed_users or paused_until"
        )
    now = core.clock()
    async with core.db.write() as conn:
        group = await writable_group(conn, business_id, group_id, actor, Ability.MANAGE_LINK)
        link = await _find(conn, group, link_id)
        if link.state != LinkState.ACTIVE:
            raise InvalidParameter("This invite link was revoked; it cannot be changed")
        if link.is_primary:
            check_primary_changes(changes)
        await links.update_link(conn, link.pk, _columns(changes))
        await _apply_allowed(conn, core, group, link.pk, changes)
        await queries.audit(
            conn,
            business_id=group.business_id,
            actor=actor,
            action="link.update",
            now=now,
            group_pk=group.pk,
            link_pk=link.pk,
            **_audited(changes),
        )
        return await _one(conn, core, group, link.id)


async def revoke_link(
    core: Core, business_id: str, group_id: str, link_id: str, actor: Actor
) -> None:
    """The link stops working at once; revoking a revoked link changes nothing."""
    async with core.db.write() as conn:
        group = await writable_group(conn, business_id, group_id, actor, Ability.MANAGE_LINK)
        # Read under the group's lock, as a join reads its time: a join that went first
        # is never recorded after the end of the link it came through.
        now = core.clock()
        link = await _find(conn, group, link_id)
        if link.state != LinkState.ACTIVE:
            return
        await links.revoke_link(conn, link.pk, actor.label, now)
        await queries.audit(
            conn,
            business_id=group.business_id,
            actor=actor,
            action="link.revoke",
            now=now,
            group_pk=group.pk,
            link_pk=link.pk,
        )


async def _find(conn: AsyncConnection, group: Row, link_id: str) -> Row:
    link = await links.find_by_id(conn, group.pk, link_id)
    if link is None:
        raise InvalidParameter(f"No invite link with id {link_id} in this group")
    return link


async def _one(conn: AsyncConnection, core: Core, group: Row, link_id: str) -> LinkDetails:
    link = await _find(conn, group, link_id)
    return (await _details(conn, core, group, [link], core.clock()))[0]


def _columns(changes: LinkChanges) -> dict[str, object]:
    """The link's stored columns that ``changes`` sets."""
    fields = {
        "name": changes.name,
        "expires_at": changes.expires_at,
        "use_limit": changes.member_limit,
        "approval_mode": changes.approval_mode,
        "paused_until": changes.paused_until,
    }
    return {column: value for column, value in fields.items() if value is not KEEP}


def _audited(changes: LinkChanges) -> dict[str, object]:
    detail = _columns(changes)
    if changes.allowed_users is not KEEP:
        allowed = changes.allowed_users
        detail["allowed_users"] = None if allowed is None else [r.input for r in allowed]
    return detail


async def _apply_allowed(
    conn: AsyncConnection, core: Core, group: Row, link_pk: int, changes: LinkChanges
) -> None:
    if changes.allowed_users is KEEP:
        return
    refs = changes.allowed_users
    pks = None if refs is None else [await _person_pk(conn, core, group, r) for r in refs]
    await links.set_allowed(conn, link_pk, pks)


async def _person_pk(conn: AsyncConnection, core: Core, group: Row, ref: UserRef) -> int:
    """A phone number names anyone (they are made on first sight); a BSUID only someone
    this business has met, since it cannot be turned back into a number."""
    if ref.wa_id is not None:
        person = await queries.ensure_person(
            conn, group.business_id, ref.wa_id, core.clock(), core.secret
        )
        return int(person.pk)
    assert ref.user_id is not None
    found = await queries.find_person_by_user_id(conn, group.business_id, ref.user_id)
    if found is None:
        raise InvalidParameter(f"No person with user_id {ref.user_id} is known to this business")
    return int(found.pk)


async def _details(
    conn: AsyncConnection, core: Core, group: Row, rows: list[Row], now: int, pk: str = "pk"
) -> list[LinkDetails]:
    restricted = [getattr(r, pk) for r in rows if r.restricted]
    allowed = await links.allowed_people(conn, restricted)
    secret = queries.people_secret_of(group.business_id, core.secret.decode())
    found = []
    for row in rows:
        view = links.link_view(row, group_paused_until=group.links_paused_until)
        people = allowed.get(getattr(row, pk), []) if row.restricted else None
        working = row.state == LinkState.ACTIVE  # a revoked link's pause no longer matters
        own_pause = row.paused_until if working and (row.paused_until or 0) > now else None
        group_pause = (
            group.links_paused_until if working and (group.links_paused_until or 0) > now else None
        )
        found.append(
            LinkDetails(
                id=row.id,
                url=core.link_url(row.code),
                is_primary=bool(row.is_primary),
                name=row.name,
                state=state_of(view, now),
                expires_at=row.expires_at,
                member_limit=row.use_limit,
                approval_mode=view.approval_mode,
                allowed_users=None if people is None else [PersonRef(*p) for p in people],
                paused_until=own_pause,
                paused_by_group_until=group_pause,
                created_at=row.created_at,
                revoked_at=row.ended_at,
                created_by=who_of(row.created_by, secret),
                counts=LinkCounts(
                    opens=row.open_count,
                    join_requests=row.request_count,
                    joined=row.joined_count,
                    approved=row.approved_count,
                    rejected=row.rejected_count,
                    left=row.left_count,
                ),
            )
        )
    return found
