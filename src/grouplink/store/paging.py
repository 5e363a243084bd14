"""Pages of a listing in descending key order, from signed cursors (WIRE.md row 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain.cursors import decode_cursor, encode_cursor
from grouplink.domain.errors import InvalidParameter
from grouplink.store.queries import Row

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    before: str | None
    after: str | None
    has_previous: bool
    has_next: bool


@dataclass(frozen=True, slots=True)
class Rows:
    rows: list[Row]
    has_previous: bool
    has_next: bool

    def page(self, secret: bytes, scope: str, items: list[U]) -> Page[U]:
        if not self.rows:
            return Page(items, None, None, self.has_previous, self.has_next)
        return Page(
            items,
            encode_cursor(secret, scope, self.rows[0].pk),
            encode_cursor(secret, scope, self.rows[-1].pk),
            self.has_previous,
            self.has_next,
        )


async def page_rows(
    conn: AsyncConnection,
    secret: bytes,
    scope: str,
    base: sa.Select[Any],
    pk: sa.ColumnElement[int],
    limit: int,
    after: str | None,
    before: str | None,
) -> Rows:
    """One page of ``base`` in descending ``pk`` order, from signed cursors.

    ``after`` continues past the last item of a page, ``before`` goes back
    before its first item; a cursor from another listing fails with 131059.
    """
    if after is not None and before is not None:
        raise InvalidParameter("Pass either 'after' or 'before', not both")
    if before is not None:
        position = decode_cursor(secret, scope, before)
        found = list(
            (
                await conn.execute(base.where(pk > position).order_by(pk.asc()).limit(limit + 1))
            ).all()
        )
        has_previous = len(found) > limit
        rows = list(reversed(found[:limit]))
        return Rows(rows, has_previous, True)
    query = base.order_by(pk.desc()).limit(limit + 1)
    if after is not None:
        query = query.where(pk < decode_cursor(secret, scope, after))
    found = list((await conn.execute(query)).all())
    rows = found[:limit]
    has_previous = False
    if after is not None and rows:
        earlier = await conn.execute(base.where(pk > rows[0].pk).limit(1))
        has_previous = earlier.first() is not None
    return Rows(rows, has_previous, len(found) > limit)
