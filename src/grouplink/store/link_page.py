"""The link page's read: an invite link's row joined to its group's (and thumbnail's)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.store import links, pictures
from grouplink.store.queries import Row
from grouplink.store.tables import groups, invite_links


async def link_with_group(conn: AsyncConnection, code: str, with_picture: bool) -> Row | None:
    """The group's columns and the link's (``link_``-prefixed) by the link's code;
    with ``with_picture``, the group's thumbnail too (``picture_type``, ``picture_data``)."""
    query = _LINK_WITH_GROUP_AND_PICTURE if with_picture else _LINK_WITH_GROUP
    return (await conn.execute(query, {"code": code})).first()


_LINK_WITH_GROUP = (
    sa.select(groups, *links.LINK_VIEW_COLUMNS)
    .join(invite_links, invite_links.c.group_pk == groups.c.pk)
    .where(invite_links.c.code == sa.bindparam("code"))
)
_LINK_WITH_GROUP_AND_PICTURE = pictures.with_thumbnail(_LINK_WITH_GROUP)
