"""A group's primary invite link: show, reset, delete."""

from __future__ import annotations

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.links import LinkEnd
from grouplink.domain.permissions import Ability
from grouplink.services.core import Actor, Core
from grouplink.services.groups import authorize, readable_group, writable_group
from grouplink.store import queries
from grouplink.store.changes import group_slot
from grouplink.store.queries import Row


async def current_link(core: Core, business_id: str, group_id: str, actor: Actor) -> str:
    group = await readable_group(core, business_id, group_id)
    if actor.wa_id is not None:  # a participant's role decides; the business owns the group
        async with core.db.read() as conn:
            await authorize(conn, group, actor, Ability.MANAGE_LINK)

    async def read() -> Row | None:
        async with core.db.read() as conn:
            return await queries.primary_link(conn, group.pk)

    slot = group_slot(group.pk)
    link = await core.recent.through(("primary link", group.pk), read, lambda _: slot)
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
