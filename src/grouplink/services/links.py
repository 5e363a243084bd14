"""A group's primary invite link: show, reset, delete."""

from __future__ import annotations

from grouplink.domain.errors import GroupUnknown, InvalidParameter
from grouplink.domain.links import LinkEnd
from grouplink.domain.permissions import Ability
from grouplink.services.core import Actor, Core
from grouplink.services.groups import authorize, writable_group
from grouplink.store import queries


async def current_link(core: Core, business_id: str, group_id: str, actor: Actor) -> str:
    async with core.db.read() as conn:
        group = await queries.find_group(conn, business_id, group_id, lock=False)
        if group is None:
            raise GroupUnknown(f"No group with id {group_id}")
        await authorize(conn, group, actor, Ability.MANAGE_LINK)
        link = await queries.primary_link(conn, group.pk)
    if link is None:
        raise InvalidParameter(
            "This group has no working invite link; POST /{group_id}/invite_link makes a new one"
        )
    return core.link_url(link.code)


async def reset_link(core: Core, business_id: str, group_id: str, actor: Actor) -> str:
    """A new primary link; every earlier link of the group stops working in the same commit."""
    now = core.clock()
    async with core.db.write() as conn:
        group = await writable_group(conn, business_id, group_id, actor, Ability.MANAGE_LINK)
        await queries.end_links(conn, group.pk, LinkEnd.RESET, actor.label, now)
        link = await queries.create_primary_link(conn, group.pk, actor.label, now)
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="link.reset",
            now=now,
            group_pk=group.pk,
            link_pk=link.pk,
        )
    return core.link_url(link.code)


async def delete_link(core: Core, business_id: str, group_id: str, actor: Actor) -> None:
    """End every link of the group; none works until the next reset."""
    now = core.clock()
    async with core.db.write() as conn:
        group = await writable_group(conn, business_id, group_id, actor, Ability.MANAGE_LINK)
        await queries.end_links(conn, group.pk, LinkEnd.DELETED, actor.label, now)
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="link.delete",
            now=now,
            group_pk=group.pk,
        )
