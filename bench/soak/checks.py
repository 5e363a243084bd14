"""The invariants, checked at the end in the database and at the receiver.

The audit log is written in each change's own transaction, and every change to a
group's participants or links holds the group's row lock, so within one group the
log's order (its ``pk``) is the order the changes took effect. That lets the checks
replay history, not only look at the end state: a group never over its limit at
any moment, and no join through a link after the change that ended or paused it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench.databases import plain_postgres_url
from bench.soak.receiver import DedupingReceiver
from bench.soak.world import World

ENDINGS = ("link.revoke", "link.reset", "link.delete", "group.delete")
JOINS = ("participants.add", "join_request.create")  # a person using a link


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str  # the figures behind it, or the first violations


@dataclass(frozen=True, slots=True)
class Entry:
    pk: int
    group_pk: int
    link_pk: int | None
    door: str
    action: str
    detail: dict[str, Any]
    created_at: int

    @property
    def people(self) -> list[str]:
        return list(self.detail.get("wa_ids", []))


async def run_checks(
    url: str, world: World, receiver: DedupingReceiver, max_participants: int
) -> list[Check]:
    conn = await asyncpg.connect(plain_postgres_url(url))
    try:
        log = [
            Entry(r["pk"], r["group_pk"], r["link_pk"], r["door"], r["action"],
                  json.loads(r["detail"]), r["created_at"])
            for r in await conn.fetch(
                "SELECT pk, group_pk, link_pk, door, action, detail, created_at FROM audit_log"
                " WHERE group_pk IS NOT NULL ORDER BY pk"
            )
        ]  # fmt: skip
        links = {r["pk"]: r for r in await conn.fetch("SELECT * FROM invite_links")}
        return [
            await _group_limit(conn, log, world, max_participants),
            link_limits(log, links),
            no_join_after_end(log, links),
            no_join_while_paused(log, links),
            await _events(conn, receiver),
            await _nothing_lost(conn, world),
        ]
    finally:
        await conn.close()


async def _group_limit(
    conn: asyncpg.Connection, log: list[Entry], world: World, limit: int
) -> Check:
    """Never over the limit: replayed from the log, at the end, and in every read."""
    running: dict[int, int] = defaultdict(int)
    peaks: dict[int, int] = defaultdict(int)
    for entry in log:
        if entry.action == "participants.add":
            running[entry.group_pk] += len(entry.people)
        elif entry.action in ("participants.leave", "participants.remove"):
            running[entry.group_pk] -= len(entry.people)
        peaks[entry.group_pk] = max(peaks[entry.group_pk], running[entry.group_pk])
    rows = await conn.fetch(
        "SELECT g.pk, g.participant_count, count(p.person_pk) AS rows FROM groups g"
        " LEFT JOIN participants p ON p.group_pk = g.pk GROUP BY g.pk"
    )
    problems = [
        f"group {pk} reached {peak} in the log" for pk, peak in peaks.items() if peak > limit
    ]
    for row in rows:
        if row["rows"] > limit or row["rows"] != row["participant_count"]:
            problems.append(
                f"group {row['pk']}: {row['rows']} participants, count {row['participant_count']}"
            )
        if row["rows"] != running.get(row["pk"], 0):
            problems.append(f"group {row['pk']}: log says {running.get(row['pk'], 0)}")
    problems += [f"a read of {g} showed {n}" for g, n in world.over_limit_seen]
    full = sum(peak == limit for peak in peaks.values())
    figures = f"{len(rows)} groups, {full} reached the limit of {limit}, {world.reads} reads"
    return _check("participants never over the group limit", problems, figures)


def link_limits(log: list[Entry], links: dict[int, Any]) -> Check:
    """Everyone who came in through a link, at once or approved, counts once against it."""
    admitted: dict[int, int] = defaultdict(int)
    for entry in log:
        if entry.action == "participants.add" and entry.link_pk is not None:
            admitted[entry.link_pk] += len(entry.people)
    problems = []
    limited = used_up = 0
    for pk, link in links.items():
        if admitted[pk] != link["joined_count"]:
            problems.append(
                f"link {link['id']}: joined_count {link['joined_count']}, log {admitted[pk]}"
            )
        if link["use_limit"] is None:
            continue
        limited += 1
        used_up += admitted[pk] == link["use_limit"]
        if admitted[pk] > link["use_limit"]:
            problems.append(f"link {link['id']}: {admitted[pk]} in, limit {link['use_limit']}")
    figures = f"{limited} links with a limit, {used_up} used up"
    return _check("each link's joins never over its use limit", problems, figures)


def _ending_entries(log: list[Entry], links: dict[int, Any]) -> dict[int, Entry]:
    """The log entry that ended each ended link: its group's ending at the same moment."""
    endings: dict[tuple[int, int], Entry] = {}
    for entry in log:
        if entry.action in ENDINGS:
            endings.setdefault((entry.group_pk, entry.created_at), entry)
    found = {}
    for pk, link in links.items():
        if link["ended_at"] is not None:
            ending = endings.get((link["group_pk"], link["ended_at"]))
            if ending is not None:
                found[pk] = ending
    return found


def no_join_after_end(log: list[Entry], links: dict[int, Any]) -> Check:
    """No join or request through a link after it was revoked, reset or deleted (in the
    log's order, and by the times recorded) or at or after its expiry."""
    endings = _ending_entries(log, links)
    problems = [
        f"link {link['id']} ended at {link['ended_at']} with no log entry"
        for pk, link in links.items()
        if link["ended_at"] is not None and pk not in endings
    ]
    used = ended_used = 0
    for entry in log:
        if entry.action not in JOINS or entry.door != "sandbox" or entry.link_pk is None:
            continue
        used += 1
        link = links[entry.link_pk]
        ending = endings.get(entry.link_pk)
        what = f"{entry.action} #{entry.pk} at {entry.created_at} through link {link['id']}"
        if ending is not None:
            ended_used += 1
            if entry.pk > ending.pk:
                problems.append(f"{what}, after its {ending.action} #{ending.pk}")
            elif entry.created_at > link["ended_at"]:
                problems.append(f"{what}, recorded after its end at {link['ended_at']}")
        if link["expires_at"] is not None and entry.created_at >= link["expires_at"]:
            problems.append(f"{what}, which expired at {link['expires_at']}")
    ended = sum(link["ended_at"] is not None for link in links.values())
    expiring = sum(link["expires_at"] is not None for link in links.values())
    figures = (
        f"{used} joins and requests by link; {ended} links ended ({ended_used} of the joins "
        f"through them), {expiring} with an expiry"
    )
    return _check("no join through a link after it ended", problems, figures)


def no_join_while_paused(log: list[Entry], links: dict[int, Any]) -> Check:
    """The pause in force for a link is the last one set before the join, in log order."""
    pause: dict[int, int | None] = {}
    paused_tries = 0
    problems = []
    for entry in log:
        if entry.action == "link.update" and "paused_until" in entry.detail:
            assert entry.link_pk is not None
            pause[entry.link_pk] = entry.detail["paused_until"]
            paused_tries += 1
        elif entry.action in JOINS and entry.door == "sandbox" and entry.link_pk is not None:
            until = pause.get(entry.link_pk)
            if until is not None and entry.created_at < until:
                link = links[entry.link_pk]["id"]
                problems.append(f"{entry.action} #{entry.pk} through {link} paused until {until}")
    figures = f"{paused_tries} pauses set"
    return _check("no join through a paused link", problems, figures)


async def _events(conn: asyncpg.Connection, receiver: DedupingReceiver) -> Check:
    """Every committed event reached the receiver at least once, was counted once, and
    nothing arrived that the outbox does not hold (a change rolled back)."""
    committed = {r["id"] for r in await conn.fetch("SELECT id FROM outbox")}
    states = dict(await conn.fetch("SELECT state, count(*) FROM webhook_deliveries GROUP BY state"))
    missing = committed - receiver.seen
    strangers = receiver.seen - committed
    tally = receiver.tally
    problems = (
        [f"{len(missing)} events never arrived, e.g. {sorted(missing)[:3]}"] if missing else []
    )
    if strangers:
        problems.append(f"{len(strangers)} events arrived that were never committed")
    if tally.processed != len(receiver.seen):
        problems.append(f"counted {tally.processed} for {len(receiver.seen)} ids")
    if tally.bad_signature:
        problems.append(f"{tally.bad_signature} deliveries with a bad signature")
    if set(states) - {"delivered"}:
        problems.append(f"deliveries by state: {states}")
    figures = (
        f"{len(committed)} committed, {len(receiver.seen)} counted once each, "
        f"{tally.duplicates} duplicates dropped"
    )
    return _check("every committed event delivered, counted once", problems, figures)


async def _nothing_lost(conn: asyncpg.Connection, world: World) -> Check:
    """Every write the server acknowledged is in the database, as it said."""
    ledger = world.ledger
    groups = {r["id"]: r for r in await conn.fetch("SELECT pk, id, deleted_at FROM groups")}
    by_pk = {row["pk"]: gid for gid, row in groups.items()}
    links = {r["id"]: r for r in await conn.fetch("SELECT * FROM invite_links")}
    codes = {r["code"]: r for r in links.values()}
    requests = dict(await conn.fetch("SELECT id, state FROM join_requests"))
    people: dict[tuple[str, str], set[str]] = defaultdict(set)  # (group, action) -> wa_ids
    for r in await conn.fetch("SELECT group_pk, action, detail FROM audit_log WHERE group_pk > 0"):
        for wa_id in json.loads(r["detail"]).get("wa_ids", []):
            people[(by_pk.get(r["group_pk"], ""), r["action"])].add(wa_id)
    pauses = {
        (r["link_pk"], json.loads(r["detail"]).get("paused_until"))
        for r in await conn.fetch(
            "SELECT link_pk, detail FROM audit_log WHERE action = 'link.update'"
        )
    }
    link_pks = {row["id"]: row["pk"] for row in links.values()}
    problems = [f"group {g} missing" for g in ledger.groups if g not in groups]
    for link_id, (group_id, limit, expires) in ledger.links.items():
        row = links.get(link_id)
        expected_expiry = None if expires is None else expires * 1000
        if row is None or by_pk.get(row["group_pk"]) != group_id:
            problems.append(f"link {link_id} missing")
        elif row["use_limit"] != limit or row["expires_at"] != expected_expiry:
            problems.append(f"link {link_id} has other limits than acknowledged")
    problems += [f"reset link {c} missing" for c, g in ledger.reset_codes.items()
                 if c not in codes or by_pk.get(codes[c]["group_pk"]) != g]  # fmt: skip
    problems += [f"revoke of {i} lost" for i in ledger.revoked
                 if i not in links or links[i]["ended_at"] is None]  # fmt: skip
    problems += [f"pause of {i} lost" for i, until in ledger.paused
                 if (link_pks.get(i), until * 1000) not in pauses]  # fmt: skip
    for action, acked in (
        ("participants.add", ledger.joined),
        ("participants.leave", ledger.left),
        ("participants.ban", ledger.removed),
    ):
        problems += [
            f"{action} of {w} in {g} lost" for g, w in acked if w not in people[(g, action)]
        ]
    for state, ids in (
        ("pending", ledger.requested),
        ("cancelled", ledger.cancelled),
        ("approved", ledger.approved),
        ("rejected", ledger.rejected),
    ):
        if state == "pending":
            problems += [f"join request {i} missing" for i in ids if i not in requests]
        else:
            problems += [
                f"{state} {i} is {requests.get(i)}" for i in ids if requests.get(i) != state
            ]
    return _check("nothing acknowledged lost", problems, f"{ledger.count()} acknowledged writes")


def _check(name: str, problems: list[str], figures: str) -> Check:
    if not problems:
        return Check(name, True, figures)
    shown = "; ".join(problems[:5]) + (
        f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    )
    return Check(name, False, f"{figures}; {shown}")
