"""Group pictures in the database: the re-encoded picture and its thumbnail, one row a
group (the group's ``picture_sha256`` says which upload it came from)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.picture import Picture
from grouplink.store.tables import group_pictures, groups

AnySelect = sa.Select[*tuple[Any, ...]]


async def save_picture(conn: AsyncConnection, group_pk: int, picture: Picture) -> None:
    """Replace the group's picture (the caller holds the group's lock)."""
    await conn.execute(sa.delete(group_pictures).where(group_pictures.c.group_pk == group_pk))
    await conn.execute(
        sa.insert(group_pictures).values(
            group_pk=group_pk,
            mime_type=picture.mime_type,
            data=picture.data,
            thumbnail=picture.thumbnail,
        )
    )


async def picture_of(conn: AsyncConnection, group_pk: int) -> tuple[str, bytes] | None:
    """(mime type, bytes) of the group's picture at its stored size, if it has one."""
    query = sa.select(group_pictures.c.mime_type, group_pictures.c.data).where(
        group_pictures.c.group_pk == group_pk
    )
    row = (await conn.execute(query)).first()
    return (row.mime_type, row.data) if row else None


def with_thumbnail(query: AnySelect) -> AnySelect:
    """``query`` (which selects from ``groups``) with the group's thumbnail, if it has a
    picture: ``picture_type`` and ``picture_data``, which link previews show."""
    return query.add_columns(
        group_pictures.c.mime_type.label("picture_type"),
        group_pictures.c.thumbnail.label("picture_data"),
    ).outerjoin(group_pictures, group_pictures.c.group_pk == groups.c.pk)
