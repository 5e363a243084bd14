"""What the calls aim at, picked from a loaded database before the server starts.

Random groups, disjoint per call so one call's writes never change what another
reads: groups to read, groups whose link is reset, groups people join, one hot
group whose link every connection resets and one every connection joins, and
approval-required groups with fresh pending join requests to approve (written
here, straight into the tables, one person per request).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.databases import BenchDatabase
from bench.dataset import Bsuid, Shape
from grouplink.domain import ids
from grouplink.domain.days import utc_day
from grouplink.domain.join_requests import RequestState
from grouplink.domain.links import LinkState
from grouplink.services import businesses
from grouplink.services.core import Core, now_ms
from grouplink.store import queries
from grouplink.store.tables import groups, invite_links, join_requests, link_days, people

APPLICANT_PREFIX = "16"  # people with a pending request: 16 and 10 digits
BATCH = 1000
HOT = 2  # auto-approve groups kept for the hot-group calls (reset, join)


@dataclass(frozen=True, slots=True)
class Group:
    pk: int
    id: str
    code: str  # its working primary link
    link_pk: int


@dataclass(frozen=True, slots=True)
class Pending:
    group_id: str
    request_id: str


@dataclass(frozen=True, slots=True)
class Targets:
    token: str
    reads: list[Group]
    resets: list[Group]
    joins: list[Group]
    approvals: list[Pending]  # each approved once, in this order
    warmup_approvals: list[Pending]
    hot_reset: Group | None = None  # every connection resets this one group's link
    hot_join: Group | None = None  # every connection joins this one group


@dataclass(frozen=True, slots=True)
class Spread:
    """How many groups each call spreads over: the same at every size compared, so
    that a larger database is not also a larger set of groups to keep in the cache."""

    per_call: int  # groups read, reset, joined: each call its own
    asking: int  # approval-required groups whose requests are approved

    @classmethod
    def fitting(cls, shapes: Sequence[Shape], wanted: int) -> Spread:
        """``wanted`` groups a call, or as many as the smallest database has room for."""
        smallest = min(shapes, key=lambda shape: shape.groups)
        auto = smallest.groups - smallest.groups // smallest.approval_every
        per_call = min(wanted, (auto - HOT) // 3)
        return cls(per_call, min(per_call, smallest.groups // smallest.approval_every))


async def pick(
    database: BenchDatabase,
    shape: Shape,
    business_id: str,
    spread: Spread,
    approvals: int,
    warmup_approvals: int,
    seed: int = 7,
) -> Targets:
    rng = random.Random(seed)
    per_call = spread.per_call
    auto = _auto_approving(rng, shape, per_call)
    asking_pks = rng.sample(
        range(shape.approval_every, shape.groups + 1, shape.approval_every), spread.asking
    )
    db = database.open()
    try:
        core = Core(db=db, link_base="")
        token = (await businesses.create_token(core, business_id, "bench.serving")).token
        async with db.write() as conn:
            found = await _groups(conn, auto[: 3 * per_call + HOT] + asking_pks)
            reads, resets, joins = (
                [found[pk] for pk in auto[n * per_call : (n + 1) * per_call]] for n in range(3)
            )
            hot_reset, hot_join = (found[pk] for pk in auto[3 * per_call : 3 * per_call + HOT])
            asking = [found[pk] for pk in asking_pks]
            pending = await _pending_requests(
                conn, business_id, asking, approvals + warmup_approvals
            )
            await _history(conn, reads, rng)
    finally:
        await db.dispose()
    return Targets(
        token,
        reads,
        resets,
        joins,
        pending[warmup_approvals:],
        pending[:warmup_approvals],
        hot_reset,
        hot_join,
    )


async def pick_reads(
    database: BenchDatabase, shape: Shape, spread: Spread, seed: int = 7
) -> Targets:
    """The groups :func:`pick` reads, and nothing else: for a database at any schema
    since the first (an earlier commit's, see bench/serving/earlier.py), which the
    rest of :func:`pick` would write to as this commit's code does."""
    reads = _auto_approving(random.Random(seed), shape, spread.per_call)[: spread.per_call]
    db = database.open()
    try:
        async with db.read() as conn:
            found = await _groups(conn, reads)
    finally:
        await db.dispose()
    return Targets("-", [found[pk] for pk in reads], [], [], [], [])


def _auto_approving(rng: random.Random, shape: Shape, per_call: int) -> list[int]:
    """Random groups that admit at once, enough for three calls of ``per_call`` and
    the hot groups (the reads come first, so the hot groups change none of them)."""
    auto = [
        pk
        for pk in _sample(rng, shape.groups, 4 * per_call + HOT)
        if not shape.requires_approval(pk)
    ]
    if len(auto) < 3 * per_call + HOT:
        raise ValueError(f"{shape.groups:,} groups have no room for {per_call:,} per call")
    return auto


def _sample(rng: random.Random, groups: int, count: int) -> list[int]:
    return rng.sample(range(1, groups + 1), min(count, groups))


async def _groups(conn: AsyncConnection, pks: Sequence[int]) -> dict[int, Group]:
    found: dict[int, Group] = {}
    for start in range(0, len(pks), BATCH):
        query = (
            sa.select(
                groups.c.pk, groups.c.id, invite_links.c.code, invite_links.c.pk.label("link")
            )
            .join(invite_links, invite_links.c.group_pk == groups.c.pk)
            .where(
                groups.c.pk.in_(pks[start : start + BATCH]),
                invite_links.c.is_primary.is_(True),
                invite_links.c.state == LinkState.ACTIVE,
            )
        )
        for row in await conn.execute(query):
            found[row.pk] = Group(row.pk, row.id, row.code, row.link)
    return found


HISTORY_DAYS = 366


async def _history(conn: AsyncConnection, reads: list[Group], rng: random.Random) -> None:
    """A year of daily figures for each link the insights call reads (kept if there)."""
    today = utc_day(now_ms())
    insert = _INSERT[conn.dialect.name](link_days).on_conflict_do_nothing()
    rows = [
        {
            "link_pk": group.link_pk,
            "day": today - back,
            "opens": rng.randrange(40),
            "join_requests": rng.randrange(8),
            "joined": rng.randrange(6),
            "approved": rng.randrange(4),
            "rejected": rng.randrange(2),
            "left": rng.randrange(2),
        }
        for group in reads
        for back in range(HISTORY_DAYS)
    ]
    for start in range(0, len(rows), BATCH):
        await conn.execute(insert, rows[start : start + BATCH])


_INSERT = {"postgresql": pg_insert, "sqlite": sqlite_insert}


async def _pending_requests(
    conn: AsyncConnection, business_id: str, asking: list[Group], count: int
) -> list[Pending]:
    """``count`` new people, each with a pending request to one of ``asking`` (in turn)."""
    if count == 0 or not asking:
        return []
    now = now_ms()
    first = int(await conn.scalar(sa.select(sa.func.max(people.c.pk))) or 0) + 1
    wa_ids = [f"{APPLICANT_PREFIX}{first + n:010d}" for n in range(count)]
    user_id = Bsuid(await queries.people_secret(conn, business_id), wa_ids[0])
    made: list[Pending] = []
    for start in range(0, count, BATCH):
        batch = wa_ids[start : start + BATCH]
        person_pks = (
            await conn.execute(
                sa.insert(people).returning(people.c.pk, sort_by_parameter_order=True),
                [
                    {
                        "business_id": business_id,
                        "wa_id": w,
                        "user_id": user_id(w),
                        "created_at": now,
                    }
                    for w in batch
                ],
            )
        ).scalars()
        rows = []
        for n, person_pk in enumerate(person_pks, start):
            group = asking[n % len(asking)]
            request_id = ids.join_request_id()
            rows.append(
                {
                    "id": request_id,
                    "group_pk": group.pk,
                    "person_pk": person_pk,
                    "link_pk": group.link_pk,
                    "state": RequestState.PENDING.value,
                    "created_at": now,
                }
            )
            made.append(Pending(group.id, request_id))
        await conn.execute(sa.insert(join_requests), rows)
    return made
