"""A group's primary invite link, as Meta's calls see it: show, reset, delete; and the
server's own scheduled rotation of it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.link_settings import next_rotation
from grouplink.domain.links import LinkEnd
from grouplink.domain.permissions import Ability
from grouplink.services.core import Actor, Core
from grouplink.services.groups import authorize, readable_group
from grouplink.services.writable import writable_group_in
from grouplink.store import journal, links, queries
from grouplink.store.changes import group_slot
from grouplink.store.driver import Tx
from grouplink.store.queries import Row


async def current_link(core: Core, business_id: str, group_id: str, actor: Actor) -> str:
    group = await readable_group(core, business_id, group_id)
    if actor.wa_id is not None:  # a participant's role decides; the business owns the group
        async with core.db.read() as conn:
            await authorize(conn, group, actor, Ability.MANAGE_LINK)

    async def read() -> Row | None:
        async with core.db.read() as conn:
            return await links.primary_link(conn, group.pk)

    slot = group_slot(group.pk)
    link = await core.recent.through(("primary link", group.pk), read, lambda _: slot)
    if link is None:
        raise InvalidParameter(
            "This group has no primary invite link (it was deleted); "
            "POST /{group_id}/invite_link makes a new one"
        )
    return core.link_url(link.code)


async def reset_link(
    core: Core, business_id: str, group_id: str, actor: Actor, *, primary_only: bool = False
) -> str:
    """A new primary link; every earlier working link of the group (or, with
    ``primary_only``, the primary alone) stops working in the same commit."""
    code = await core.db.run(
        lambda tx: _reset(tx, core, business_id, group_id, actor, primary_only)
    )
    return core.link_url(code)


def _reset(
    tx: Tx, core: Core, business_id: str, group_id: str, actor: Actor, primary_only: bool
) -> str:
    group = writable_group_in(tx, business_id, group_id, actor, Ability.MANAGE_LINK)
    # Read under the group's lock, as a join reads its time: a join that went first
    # is never recorded after the end of the link it came through.
    now = core.clock()
    reason = LinkEnd.RESET
    ended = links.end_links_in(tx, group.pk, reason, actor.label, now, primary_only=primary_only)
    link = links.create_primary_in(tx, group.pk, actor.label, now)
    if group.link_rotation_days:  # a new primary starts the rotation's count again
        links.set_next_rotation_in(tx, group.pk, next_rotation(now, group.link_rotation_days))
    journal.audit(
        tx,
        business_id=business_id,
        actor=actor,
        action="link.reset",
        now=now,
        group_pk=group.pk,
        link_pk=link.pk,
        scope="primary" if primary_only else "all",
        links_ended=ended,
    )
    return str(link.code)


async def rotate_link(conn: AsyncConnection, group: Row, now: int) -> Row | None:
    """The scheduled rotation of a group locked by the caller: the primary only, as a
    reset with ``"scope": "primary"`` does. A group whose link was deleted stays
    without one (rotation never brings back a link an admin took away)."""
    actor = Actor.system()
    if await links.primary_link(conn, group.pk) is None:
        await links.set_next_rotation(conn, group.pk, next_rotation(now, group.link_rotation_days))
        return None
    await links.end_links(conn, group.pk, LinkEnd.ROTATED, actor.label, now, primary_only=True)
    link = await _new_primary(conn, group, actor, now)
    await queries.audit(
        conn,
        business_id=group.business_id,
        actor=actor,
        action="link.rotate",
        now=now,
        group_pk=group.pk,
        link_pk=link.pk,
        every_days=group.link_rotation_days,
    )
    return link


async def _new_primary(conn: AsyncConnection, group: Row, actor: Actor, now: int) -> Row:
    link = await links.create_link(conn, group.pk, actor.label, now, primary=True)
    if group.link_rotation_days:  # a new primary starts the rotation's count again
        await links.set_next_rotation(conn, group.pk, next_rotation(now, group.link_rotation_days))
    return link


async def delete_link(core: Core, business_id: str, group_id: str, actor: Actor) -> None:
    """End every link of the group; none works until the next reset."""
    await core.db.run(lambda tx: _delete(tx, core, business_id, group_id, actor))


def _delete(tx: Tx, core: Core, business_id: str, group_id: str, actor: Actor) -> None:
    group = writable_group_in(tx, business_id, group_id, actor, Ability.MANAGE_LINK)
    now = core.clock()  # under the lock, as in reset_link
    ended = links.end_links_in(tx, group.pk, LinkEnd.DELETED, actor.label, now)
    journal.audit(
        tx,
        business_id=business_id,
        actor=actor,
        action="link.delete",
        now=now,
        group_pk=group.pk,
        links_ended=ended,
    )


async def working_links(core: Core, group_pk: int) -> int:
    """How many links a reset would stop now: what the console's dialog warns of."""
    async with core.db.read() as conn:
        return await links.count_working(conn, group_pk, core.clock())
