"""Groups: create, list, read, update, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain import events, ids
from grouplink.domain.errors import GroupLimit, GroupUnknown, InvalidParameter
from grouplink.domain.groups import JoinApprovalMode, LinkManagers
from grouplink.domain.links import LinkEnd
from grouplink.domain.permissions import Ability, Role, require
from grouplink.domain.questions import stored_questions
from grouplink.services.core import Actor, Core
from grouplink.services.writable import known, unsuspended
from grouplink.store import businesses, links, pictures, queries
from grouplink.store import groups as store
from grouplink.store.changes import group_slot
from grouplink.store.paging import Page
from grouplink.store.queries import Row

GROUP_FIELDS = (
    "subject",
    "description",
    "participants",
    "join_approval_mode",
    "suspended",
    "creation_timestamp",
    "total_participant_count",
    # grouplink's own: who can manage the invite link, and the links' pause and rotation
    "link_managers",
    "invite_links_paused_until",
    "invite_link_rotation_days",
    "join_questions",
)


@dataclass(frozen=True, slots=True)
class CreatedGroup:
    group_id: str
    request_id: str
    invite_link: str


async def create_group(
    core: Core,
    business_id: str,
    phone_number_id: str,
    subject: str,
    description: str,
    mode: JoinApprovalMode,
    actor: Actor,
) -> CreatedGroup:
    now, group_id, request_id = core.clock(), ids.group_id(), ids.request_id()
    async with core.db.write() as conn:
        await lock_phone_number(conn, business_id, phone_number_id)
        count = await store.count_live(conn, phone_number_id)
        if count >= core.limits.max_groups_per_number:
            raise GroupLimit(
                f"This phone number already has {count} groups; the limit is "
                f"{core.limits.max_groups_per_number}"
            )
        group = await store.add_group(
            conn,
            group_id=group_id,
            business_id=business_id,
            phone_number_id=phone_number_id,
            subject=subject,
            description=description,
            mode=mode,
            link_managers=LinkManagers.ADMINS,
            now=now,
        )
        link = await links.create_link(conn, group.pk, actor.label, now, primary=True)
        invite_link = core.link_url(link.code)
        await queries.emit(
            conn,
            group,
            events.group_create(group_id, now, request_id, subject, invite_link, mode),
            now,
        )
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="group.create",
            now=now,
            group_pk=group.pk,
            link_pk=link.pk,
            subject=subject,
        )
    return CreatedGroup(group_id, request_id, invite_link)


async def lock_phone_number(conn: AsyncConnection, business_id: str, phone_number_id: str) -> Row:
    """The business's phone number, locked: group creation on one number is serial."""
    if not phone_number_id.isdigit():
        raise unknown_phone_number(phone_number_id)
    number = await businesses.phone_number(conn, business_id, phone_number_id, lock=True)
    if number is None:
        raise unknown_phone_number(phone_number_id)
    return number


def unknown_phone_number(phone_number_id: str) -> InvalidParameter:
    return InvalidParameter(
        f"Object with ID '{phone_number_id}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation"
    )


async def list_groups(
    core: Core,
    business_id: str,
    phone_number_id: str,
    limit: int,
    after: str | None,
    before: str | None,
) -> Page[dict[str, Any]]:
    """Newest first, with cursors bound to this phone number's listing."""
    scope = f"groups:{phone_number_id}"
    if not phone_number_id.isdigit():
        raise unknown_phone_number(phone_number_id)
    async with core.db.read() as conn:
        if await businesses.phone_number(conn, business_id, phone_number_id, lock=False) is None:
            raise unknown_phone_number(phone_number_id)
        rows = await store.page_of_number(
            conn, core.secret, scope, phone_number_id, limit, after, before
        )
        items = [
            # Meta's spec and docs: unix seconds, as a string (creation_timestamp is an int)
            {"id": r.id, "subject": r.subject, "created_at": str(r.created_at // 1000)}
            for r in rows.rows
        ]
    return rows.page(core.secret, scope, items)


async def group_info(
    core: Core, business_id: str, group_id: str, fields: list[str]
) -> dict[str, Any]:
    group = await readable_group(core, business_id, group_id)
    info: dict[str, Any] = {"messaging_product": "whatsapp", "id": group.id}
    for name in fields:
        if name == "subject":
            info["subject"] = group.subject
        elif name == "description":
            info["description"] = group.description
        elif name == "join_approval_mode":
            info["join_approval_mode"] = group.join_approval_mode
        elif name == "suspended":
            info["suspended"] = bool(group.suspended)
        elif name == "creation_timestamp":
            info["creation_timestamp"] = group.created_at // 1000
        elif name == "total_participant_count":
            info["total_participant_count"] = group.participant_count
        elif name == "link_managers":
            info["link_managers"] = group.link_managers
        elif name == "invite_links_paused_until":
            until = group.links_paused_until or 0
            info[name] = until // 1000 if until > core.clock() else None
        elif name == "invite_link_rotation_days":
            info[name] = group.link_rotation_days
        elif name == "join_questions":
            info[name] = stored_questions(group.join_questions)
        elif name == "participants":
            info["participants"] = await recent_participants(core, group)
    return info


async def readable_group(core: Core, business_id: str, group_id: str) -> Row:
    """A live group of the business, to read (not to change: see :func:`writable_group`)."""

    async def read() -> Row | None:
        async with core.db.read() as conn:
            return await queries.find_group(conn, business_id, group_id, lock=False)

    key = ("group", business_id, group_id)
    group: Row | None = await core.recent.through(key, read, lambda g: group_slot(g.pk))
    if group is None:
        raise GroupUnknown(f"No group with id {group_id}")
    return group


async def recent_participants(core: Core, group: Row) -> list[dict[str, str]]:
    async def read() -> list[dict[str, str]]:
        async with core.db.read() as conn:
            return await participant_list(conn, group.pk)

    key, slot = ("participants", group.pk), group_slot(group.pk)
    found: list[dict[str, str]] | None = await core.recent.through(key, read, lambda _: slot)
    return [dict(p) for p in found or ()]  # copies: the kept list is shared by later requests


async def participant_list(conn: AsyncConnection, group_pk: int) -> list[dict[str, str]]:
    """``fields=participants``: each with the link they came through, where there was one."""
    found = []
    for p in await store.participants_of(conn, group_pk):
        item = {"user_id": p.user_id, "wa_id": p.wa_id}
        if p.link_id is not None:
            item["invite_link_id"] = p.link_id
        found.append(item)
    return found


async def writable_group(
    conn: AsyncConnection, business_id: str, group_id: str, actor: Actor, ability: Ability | None
) -> Row:
    """The group, locked for this transaction, once ``actor`` may do ``ability`` to it.

    Unknown and suspended groups refuse writes. The role is read under the
    lock, so an admin dismissed a moment ago can no longer act. ``None`` skips
    the role check, for the one write a participant makes on themselves: leaving.
    """
    group = known(await queries.find_group(conn, business_id, group_id, lock=True), group_id)
    if ability is not None:
        await authorize(conn, group, actor, ability)
    return unsuspended(group)


async def authorize(conn: AsyncConnection, group: Row, actor: Actor, ability: Ability) -> Role:
    role = await queries.role_of(conn, group, actor.wa_id)
    require(role, LinkManagers(group.link_managers), ability)
    assert role is not None
    return role


async def delete_group(core: Core, business_id: str, group_id: str, actor: Actor) -> str:
    """Remove every participant, end every link, and retire the group."""
    request_id = ids.request_id()
    async with core.db.write() as conn:
        group = await queries.find_group(conn, business_id, group_id, lock=True)
        if group is None:
            raise GroupUnknown(f"No group with id {group_id}")
        now = core.clock()  # under the lock: its links end after every join that went first
        await authorize(conn, group, actor, Ability.DELETE)
        await links.end_links(conn, group.pk, LinkEnd.GROUP_DELETED, actor.label, now)
        await store.retire(conn, group.pk, actor.label, now)
        await queries.emit(conn, group, events.group_delete(group.id, now, request_id), now)
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="group.delete",
            now=now,
            group_pk=group.pk,
        )
    return request_id


async def set_suspended(
    core: Core, business_id: str, group_id: str, suspended: bool, actor: Actor
) -> None:
    """Suspend a group (as WhatsApp does for abuse) or lift it; sandboxes simulate this."""
    now = core.clock()
    async with core.db.write() as conn:
        group = await queries.find_group(conn, business_id, group_id, lock=True)
        if group is None:
            raise GroupUnknown(f"No group with id {group_id}")
        if bool(group.suspended) == suspended:
            return
        await store.set_suspended(conn, group.pk, suspended, now)
        await queries.emit(conn, group, events.status_update(group.id, now, suspended), now)
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="group.suspend" if suspended else "group.unsuspend",
            now=now,
            group_pk=group.pk,
        )


async def group_picture(core: Core, group_pk: int) -> tuple[str, bytes] | None:
    """The group's picture at its stored size (at most 640 px), for the console."""
    async with core.db.read() as conn:
        return await pictures.picture_of(conn, group_pk)
