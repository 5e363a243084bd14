"""Invariants under concurrency, on SQLite and on PostgreSQL, over real HTTP.

Each test fires many requests at once (``httpx.AsyncClient`` with a pool large
enough that every request has its own connection) at a real
``grouplink serve --workers 2``, so requests overlap inside and across worker
processes. What is proven, on both backends:

* 200 simultaneous joins on a group with room for 8 admit exactly 8: the
  answers say so, the group's participant list and count say so, and everyone
  else is told 131204 (a second group of the business takes 40 of the same new
  people at the same moment, so people are also created concurrently).
* One person opening a link many times at once joins once (or asks once).
* Joins racing a reset of the link never admit anyone through the old code
  once the reset has answered: every join sent after that moment is refused as
  a dead link, and the participants read right after the reset answered are
  already everyone the old code ever let in (so nobody got in through the old
  code by committing after the reset).
* Approvals racing rejections of the same requests settle each request exactly
  once: every id is in exactly one approved or rejected list across all
  answers, every other answer about it says 131213, the participants are exactly
  the approved people, and no request is left pending.
* Approvals racing each other never admit more people than the group has room for.
* A link's member limit holds under load: 200 people rushing a link limited to 10
  (while 40 others join through the unlimited primary) admit exactly 10, the link
  shows ``used_up`` and ``joined`` 10, the other 190 are told ``used_up`` and
  left no person or request behind; racing approvals of requests through a link
  limited to 3 admit exactly 3, the rest failing as ``used_up`` and staying pending.
* Joins racing a revoke of the link, a pause of it, a pause of every link of the
  group, a reset (which ends the group's other links too) or the link's expiry
  never get in once the change took effect (its answer arrived, or the expiry
  second passed by the stored ``joined_at``), and are refused with its reason.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import Server, start_server, stop_server
from tests.graph.helpers import code_of
from tests.graph.links_support import (
    joined_at,
    new_link,
    people_stored,
    read_link,
    refusal,
    requests_stored,
)
from tests.support import Business, create_group, join, make_business

ROOM = 8  # the server's default max_participants
DEAD_LINK = 100
ALREADY_MEMBER = 131202
GROUP_FULL = 131204
NO_SUCH_REQUEST = 131213
WHATSAPP = {"messaging_product": "whatsapp"}
JOINERS = 16  # people joining at once through a link that is being reset
AFTER_RESET = 32  # joins sent after the reset answered, per group


# --------------------------------------------------------------------- helpers


def wa_ids(count: int, start: int = 0) -> list[str]:
    return [f"1555{n:07d}" for n in range(start, start + count)]


def error_code(answer: httpx.Response) -> int | None:
    body = answer.json()
    return body["error"]["code"] if "error" in body else None


def describe(answer: httpx.Response) -> str:
    return (
        f"{answer.request.method} {answer.request.url.path} -> {answer.status_code} {answer.text}"
    )


@asynccontextmanager
async def firing_client(biz: Business, connections: int) -> AsyncIterator[httpx.AsyncClient]:
    """A client with a connection per request, so that a gather of them truly overlaps.

    Connections are opened by the race itself: opened earlier, they could sit idle
    past the server's keep-alive timeout on a busy machine and be closed under us.
    """
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=biz.root, headers=biz.auth, limits=limits, timeout=120
    ) as client:
        yield client


def participants_of(api: httpx.Client, group_id: str) -> tuple[list[str], int]:
    info = api.get(f"/{group_id}", params={"fields": "participants,total_participant_count"})
    assert info.status_code == 200, info.text
    body = info.json()
    return [p["wa_id"] for p in body["participants"]], body["total_participant_count"]


def pending_of(api: httpx.Client, group_id: str) -> list[dict[str, Any]]:
    listed = api.get(f"/{group_id}/join_requests", params={"limit": 1024})
    assert listed.status_code == 200, listed.text
    data: list[dict[str, Any]] = listed.json()["data"]
    return data


def settled_by(
    answer: httpx.Response, approve: bool, ids: list[str], allowed: set[int]
) -> list[str]:
    """The request ids an approval or rejection settled, after checking the answer's shape.

    200: all of them. 206: some, every other one listed in ``failed_join_requests``.
    400: none, a plain Graph error. Every failure must carry a code in ``allowed``.
    """
    if answer.status_code == 400:
        assert error_code(answer) in allowed, describe(answer)
        return []
    assert answer.status_code in (200, 206), describe(answer)
    body = answer.json()
    done: list[str] = body["approved_join_requests" if approve else "rejected_join_requests"]
    failed = body.get("failed_join_requests", [])
    assert done and (answer.status_code == 206) == bool(failed), describe(answer)
    for item in failed:
        assert item["errors"][0]["code"] in allowed, describe(answer)
    failed_ids = [item["join_request_id"] for item in failed]
    assert sorted(done + failed_ids) == sorted(ids), describe(answer)
    return done


def ask_to_join(biz: Business, code: str, people: list[str]) -> dict[str, str]:
    """Each person asks to join (the group requires approval): wa_id -> join_request_id."""
    ids: dict[str, str] = {}
    for wa_id in people:
        answer = join(biz, code, wa_id)
        assert answer.status_code == 200 and answer.json()["status"] == "requested", answer.text
        ids[wa_id] = answer.json()["join_request_id"]
    return ids


# ------------------------------------------------------------ capacity of joins


def test_200_simultaneous_joins_on_a_group_with_room_for_8_admit_exactly_8(
    api: httpx.Client, biz: Business
) -> None:
    full_house, neighbour = (create_group(api, biz, subject=s) for s in ("Full", "Next door"))
    people = wa_ids(200)
    # All 200 join the first group at once; 40 of them join a second group of the
    # same business at the same moment, so people are also created concurrently.
    calls = [(full_house, p) for p in people] + [(neighbour, p) for p in people[::5]]
    random.Random(7).shuffle(calls)

    async def fire() -> list[httpx.Response]:
        async with firing_client(biz, len(calls)) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post(f"/sandbox/invites/{g['code']}/join", json={"wa_id": p})
                        for g, p in calls
                    )
                )
            )

    answers = asyncio.run(fire())

    for group, tried in ((full_house, people), (neighbour, people[::5])):
        mine = [(p, a) for (g, p), a in zip(calls, answers, strict=True) if g is group]
        assert sorted(p for p, _a in mine) == sorted(tried)
        joined = [p for p, a in mine if a.status_code == 200]
        refused = [a for _p, a in mine if a.status_code != 200]
        for _p, a in mine:
            if a.status_code == 200:
                assert a.json() == {"status": "joined", "group_id": group["id"]}, describe(a)
        assert len(joined) == ROOM, f"{len(joined)} of {len(tried)} joined a group with room for 8"
        assert all(a.status_code == 400 and error_code(a) == GROUP_FULL for a in refused), Counter(
            (a.status_code, error_code(a)) for a in refused
        )

        members, total = participants_of(api, group["id"])
        assert total == ROOM
        assert len(members) == ROOM
        assert sorted(members) == sorted(joined)  # each admitted person once, nobody else

        # Full stays full, for a new person and for one who was turned away.
        late = join(biz, group["code"], wa_ids(1, start=900)[0])
        assert late.status_code == 400 and error_code(late) == GROUP_FULL
        turned_away = next(p for p in tried if p not in joined)
        again = join(biz, group["code"], turned_away)
        assert again.status_code == 400 and error_code(again) == GROUP_FULL


def test_one_person_opening_a_link_many_times_at_once_joins_or_asks_once(
    api: httpx.Client, biz: Business
) -> None:
    open_group = create_group(api, biz, subject="Open")
    asking_group = create_group(api, biz, subject="Asking", join_approval_mode="approval_required")
    people = wa_ids(5)
    tries = 10

    async def fire() -> list[tuple[str, str, httpx.Response]]:
        async with firing_client(biz, 2 * len(people) * tries) as client:
            calls = [(g["code"], p) for g in (open_group, asking_group) for p in people] * tries
            random.Random(11).shuffle(calls)
            answers = await asyncio.gather(
                *(
                    client.post(f"/sandbox/invites/{code}/join", json={"wa_id": p})
                    for code, p in calls
                )
            )
            return [(code, p, a) for (code, p), a in zip(calls, answers, strict=True)]

    results = asyncio.run(fire())

    opened = [(p, a) for code, p, a in results if code == open_group["code"]]
    joined = Counter(p for p, a in opened if a.status_code == 200)
    assert joined == Counter(dict.fromkeys(people, 1))
    for _p, a in opened:
        if a.status_code == 200:
            assert a.json()["status"] == "joined"
        else:
            assert a.status_code == 400 and error_code(a) == ALREADY_MEMBER, describe(a)
    members, total = participants_of(api, open_group["id"])
    assert sorted(members) == sorted(people) and total == len(people)

    asked = [(p, a) for code, p, a in results if code == asking_group["code"]]
    request_ids: dict[str, set[str]] = {p: set() for p in people}
    for p, a in asked:
        assert a.status_code == 200 and a.json()["status"] == "requested", describe(a)
        request_ids[p].add(a.json()["join_request_id"])
    assert all(len(ids) == 1 for ids in request_ids.values()), request_ids
    pending = pending_of(api, asking_group["id"])
    assert sorted((r["wa_id"], r["join_request_id"]) for r in pending) == sorted(
        (p, next(iter(ids))) for p, ids in request_ids.items()
    )


# ------------------------------------------------------------- joins vs. reset


@pytest.fixture(scope="module")
def roomy(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A second server on the same database with room for everyone.

    In the reset race the old code must be refused because it is dead, not
    because the group is full, so capacity is taken out of the picture.
    """
    proc, srv = start_server(
        server.database_url,
        tmp_path_factory.mktemp(f"roomy-{server.backend}"),
        workers=2,
        max_participants="100000",
    )
    yield srv
    stop_server(proc)


@dataclass(frozen=True)
class Attempt:
    wa_id: str
    sent: float  # time.monotonic() just before the request was handed to the client
    answered: float  # time.monotonic() once the answer was in
    answer: httpx.Response


@dataclass(frozen=True)
class ResetRace:
    group: dict[str, Any]
    attempts: list[Attempt]
    reset: httpx.Response
    reset_sent: float
    reset_answered: float
    members_right_after: list[str]


async def race_a_reset(
    client: httpx.AsyncClient,
    group: dict[str, Any],
    people: Iterator[str],
    joiners: int,
    after_reset: int,
) -> ResetRace:
    """``joiners`` people keep joining through the old code while the link is reset.

    The reset is sent once the old code has let someone in, and joining goes on
    until ``after_reset`` joins have been sent after the reset answered.
    """
    code, group_id = group["code"], group["id"]
    attempts: list[Attempt] = []
    someone_in = asyncio.Event()
    stop = asyncio.Event()

    async def joiner() -> None:
        while not stop.is_set():
            wa_id = next(people)
            sent = time.monotonic()
            answer = await client.post(f"/sandbox/invites/{code}/join", json={"wa_id": wa_id})
            attempts.append(Attempt(wa_id, sent, time.monotonic(), answer))
            if answer.status_code == 200:
                someone_in.set()

    async def resetter() -> ResetRace:
        try:
            await asyncio.wait_for(someone_in.wait(), 20)
            await asyncio.sleep(0.01)  # let joins pile up behind each other
            reset_sent = time.monotonic()
            reset = await client.post(f"/v23.0/{group_id}/invite_link", json=WHATSAPP)
            reset_answered = time.monotonic()
            # Read as soon as the reset answered: whoever the old code let in is here already.
            info = await client.get(
                f"/v23.0/{group_id}", params={"fields": "participants,total_participant_count"}
            )
            assert info.status_code == 200, info.text
            right_after = [p["wa_id"] for p in info.json()["participants"]]
            deadline = time.monotonic() + 20
            while sum(a.sent > reset_answered for a in attempts) < after_reset:
                assert time.monotonic() < deadline, "joins stalled after the reset"
                await asyncio.sleep(0.005)
        finally:
            stop.set()
        return ResetRace(group, attempts, reset, reset_sent, reset_answered, right_after)

    tasks = [joiner() for _ in range(joiners)]
    *_, race = await asyncio.gather(*tasks, resetter())
    assert isinstance(race, ResetRace)
    return race


def test_joins_racing_a_reset_never_get_in_through_the_old_code_after_it_answered(
    roomy: Server,
) -> None:
    biz = make_business(roomy.database_url, roomy.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
        groups = [create_group(api, biz, subject=f"Reset race {n}") for n in range(2)]
        people = (f"1555{n:07d}" for n in itertools.count())

        async def fire() -> list[ResetRace]:
            async with firing_client(biz, len(groups) * (JOINERS + 2)) as client:
                return list(
                    await asyncio.gather(
                        *(race_a_reset(client, g, people, JOINERS, AFTER_RESET) for g in groups)
                    )
                )

        races = asyncio.run(fire())

        for race in races:
            group = race.group
            assert race.reset.status_code == 200, describe(race.reset)
            new_link = race.reset.json()["invite_link"]
            new_code = new_link.rsplit("/", 1)[1]
            assert new_code != group["code"]

            joined: list[str] = []
            for attempt in race.attempts:
                a = attempt.answer
                if a.status_code == 200:
                    assert a.json()["status"] == "joined", describe(a)
                    joined.append(attempt.wa_id)
                else:  # the only way to be refused here is a dead link
                    assert a.status_code == 400 and error_code(a) == DEAD_LINK, describe(a)

            late = [t for t in race.attempts if t.sent > race.reset_answered]
            assert len(late) >= AFTER_RESET
            let_in_late = [describe(t.answer) for t in late if t.answer.status_code != 400]
            assert let_in_late == [], "joined through the old code after the reset answered"
            # The race was real: joins were in flight while the reset was, and the
            # old code both let people in and turned them away.
            assert any(
                t.sent < race.reset_answered and t.answered > race.reset_sent for t in race.attempts
            )
            assert joined and len(joined) < len(race.attempts) - len(late)

            # Everyone the old code let in was already in when the reset answered:
            # nobody got in through it by committing after the reset did.
            slipped_in = sorted(set(joined) - set(race.members_right_after))
            assert slipped_in == [], "let in through the old code after the reset committed"
            assert sorted(race.members_right_after) == sorted(joined)
            members, total = participants_of(api, group["id"])
            assert sorted(members) == sorted(joined)
            assert total == len(joined) == len(set(joined))

            # Afterwards the old code is dead and the new one works.
            assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == new_link
            dead = join(biz, group["code"], "447700900001")
            assert dead.status_code == 400 and error_code(dead) == DEAD_LINK
            fresh = join(biz, new_code, "447700900001")
            assert fresh.status_code == 200 and fresh.json()["status"] == "joined", fresh.text


# ---------------------------------------------------------- approve vs. reject


def test_approvals_racing_rejections_settle_each_request_exactly_once(
    api: httpx.Client, biz: Business
) -> None:
    groups = [
        create_group(api, biz, subject=f"Doorman {n}", join_approval_mode="approval_required")
        for n in range(2)
    ]
    people = wa_ids(ROOM)  # the same people ask both groups; room is never the limit
    requests = {g["id"]: ask_to_join(biz, g["code"], people) for g in groups}

    # For every request: 2 approvals and 2 rejections of it alone, and per group
    # 2 approvals and 2 rejections of all of them (in opposite orders), all at once.
    calls: list[tuple[str, bool, list[str]]] = []
    for group_id, by_person in requests.items():
        ids = list(by_person.values())
        for request_id in ids:
            calls += [(group_id, True, [request_id]), (group_id, False, [request_id])] * 2
        calls += [(group_id, True, ids), (group_id, False, ids[::-1])] * 2
    random.Random(5).shuffle(calls)

    async def fire() -> list[httpx.Response]:
        async with firing_client(biz, len(calls)) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.request(
                            "POST" if approve else "DELETE",
                            f"/v23.0/{group_id}/join_requests",
                            json={**WHATSAPP, "join_requests": ids},
                        )
                        for group_id, approve, ids in calls
                    )
                )
            )

    answers = asyncio.run(fire())

    settled: dict[str, Counter[str]] = {gid: Counter() for gid in requests}
    approved: dict[str, set[str]] = {gid: set() for gid in requests}
    for (group_id, approve, ids), answer in zip(calls, answers, strict=True):
        done = settled_by(answer, approve, ids, {NO_SUCH_REQUEST})
        settled[group_id].update(done)
        if approve:
            approved[group_id].update(done)

    for group_id, by_person in requests.items():
        ids = set(by_person.values())
        # Each request was decided by exactly one answer, approval or rejection.
        assert settled[group_id] == Counter(dict.fromkeys(ids, 1))
        members, total = participants_of(api, group_id)
        admitted = sorted(p for p, rid in by_person.items() if rid in approved[group_id])
        assert sorted(members) == admitted
        assert total == len(admitted)
        assert pending_of(api, group_id) == []

        # Decided is decided: a later approval or rejection changes nothing.
        for method in ("POST", "DELETE"):
            later = api.request(
                method, f"/{group_id}/join_requests", json={**WHATSAPP, "join_requests": list(ids)}
            )
            assert later.status_code == 400 and error_code(later) == NO_SUCH_REQUEST, later.text
        assert sorted(participants_of(api, group_id)[0]) == admitted


def test_approvals_racing_each_other_never_overfill_the_group(
    api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz, subject="Waiting room", join_approval_mode="approval_required")
    requests = ask_to_join(biz, group["code"], wa_ids(ROOM + 4))
    ids = list(requests.values())
    calls = [[rid] for rid in ids] * 3 + [ids, ids[::-1]]
    random.Random(3).shuffle(calls)

    async def fire() -> list[httpx.Response]:
        async with firing_client(biz, len(calls)) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post(
                            f"/v23.0/{group['id']}/join_requests",
                            json={**WHATSAPP, "join_requests": batch},
                        )
                        for batch in calls
                    )
                )
            )

    answers = asyncio.run(fire())

    approved: Counter[str] = Counter()
    for batch, answer in zip(calls, answers, strict=True):
        approved.update(settled_by(answer, True, batch, {GROUP_FULL, NO_SUCH_REQUEST}))
    assert len(approved) == ROOM and set(approved.values()) == {1}

    members, total = participants_of(api, group["id"])
    assert sorted(members) == sorted(p for p, rid in requests.items() if rid in approved)
    assert total == ROOM
    still_pending = {r["join_request_id"] for r in pending_of(api, group["id"])}
    assert still_pending == set(ids) - set(approved)


# ------------------------------------------------------ several links per group


def link_members(api: httpx.Client, group_id: str) -> dict[str, str | None]:
    """wa_id -> the ``invite_link_id`` each participant carries (None: none shown)."""
    info = api.get(f"/{group_id}", params={"fields": "participants"})
    assert info.status_code == 200, info.text
    return {p["wa_id"]: p.get("invite_link_id") for p in info.json()["participants"]}


def test_200_simultaneous_joins_through_a_link_limited_to_10_admit_exactly_10(
    roomy: Server,
) -> None:
    biz = make_business(roomy.database_url, roomy.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
        group = create_group(api, biz, subject="Ten seats")
        limited = new_link(api, group["id"], name="Poster", member_limit=10)
        assert limited["member_limit"] == 10 and limited["counts"]["joined"] == 0
        primary_id = read_primary_id(api, group["id"])
        crowd, others = wa_ids(200), wa_ids(40, start=500)
        # While 200 people rush the limited link, 40 others join through the primary,
        # which has no limit: the limit is the link's, not the group's.
        calls = [(limited["code"], p) for p in crowd] + [(group["code"], p) for p in others]
        random.Random(13).shuffle(calls)

        async def fire() -> list[httpx.Response]:
            async with firing_client(biz, len(calls)) as client:
                return list(
                    await asyncio.gather(
                        *(
                            client.post(f"/sandbox/invites/{code}/join", json={"wa_id": p})
                            for code, p in calls
                        )
                    )
                )

        answers = dict(zip((p for _c, p in calls), asyncio.run(fire()), strict=True))

        joined = [p for p in crowd if answers[p].status_code == 200]
        for p in joined + others:
            assert answers[p].json() == {"status": "joined", "group_id": group["id"]}, describe(
                answers[p]
            )
        assert len(joined) == 10, f"{len(joined)} of 200 joined through a link limited to 10"
        turned_away = [p for p in crowd if p not in joined]
        assert Counter(refusal(answers[p]) for p in turned_away) == {"used_up": 190}

        link = read_link(api, group["id"], limited["id"])
        assert link["counts"]["joined"] == 10 and link["state"] == "used_up", link
        assert link["counts"]["join_requests"] == 0, link
        members = link_members(api, group["id"])
        assert members == {
            **dict.fromkeys(joined, limited["id"]),
            **dict.fromkeys(others, primary_id),
        }
        assert participants_of(api, group["id"])[1] == 50
        # The 190 turned away left nothing behind: no person, no request.
        assert people_stored(roomy.database_url, biz.business_id) == set(joined) | set(others)
        assert requests_stored(roomy.database_url, group["id"]) == []
        assert pending_of(api, group["id"]) == []

        # Used up stays used up, for someone new and for someone turned away; the
        # primary still works.
        for p in (wa_ids(1, start=900)[0], turned_away[0]):
            assert refusal(join(biz, limited["code"], p)) == "used_up"
        assert join(biz, group["code"], turned_away[0]).status_code == 200


def read_primary_id(api: httpx.Client, group_id: str) -> str:
    listed = api.get(f"/{group_id}/invite_links", params={"state": "active"})
    assert listed.status_code == 200, listed.text
    primary = listed.json()["data"][0]
    assert primary["is_primary"] is True, primary
    return str(primary["id"])


def test_approvals_racing_through_a_link_limited_to_3_admit_exactly_3(roomy: Server) -> None:
    biz = make_business(roomy.database_url, roomy.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
        # The group lets people in at once; this link asks for approval, and admits 3.
        group = create_group(api, biz, subject="Three by approval")
        limited = new_link(api, group["id"], member_limit=3, join_approval_mode="approval_required")
        requests = ask_to_join(biz, limited["code"], wa_ids(12))
        ids = list(requests.values())
        # Each request approved alone three times, and every one of them together, in
        # both orders, twice: all at once.
        calls = [[rid] for rid in ids] * 3 + [ids, ids[::-1]] * 2
        random.Random(17).shuffle(calls)

        async def fire() -> list[httpx.Response]:
            async with firing_client(biz, len(calls)) as client:
                return list(
                    await asyncio.gather(
                        *(
                            client.post(
                                f"/v23.0/{group['id']}/join_requests",
                                json={**WHATSAPP, "join_requests": batch},
                            )
                            for batch in calls
                        )
                    )
                )

        answers = asyncio.run(fire())

        approved: Counter[str] = Counter()
        for batch, answer in zip(calls, answers, strict=True):
            approved.update(settled_by(answer, True, batch, {DEAD_LINK, NO_SUCH_REQUEST}))
            for why in link_failures(answer):  # the link is full, never anything else
                assert why == "used_up", describe(answer)
        assert len(approved) == 3 and set(approved.values()) == {1}, approved

        admitted = {p for p, rid in requests.items() if rid in approved}
        assert link_members(api, group["id"]) == dict.fromkeys(admitted, limited["id"])
        link = read_link(api, group["id"], limited["id"])
        assert link["state"] == "used_up", link
        counts = link["counts"]
        assert (counts["join_requests"], counts["approved"], counts["joined"]) == (12, 3, 3)
        # The others wait, still through the link; approving them now fails as used up.
        pending = pending_of(api, group["id"])
        assert {r["join_request_id"] for r in pending} == set(ids) - set(approved)
        assert {r["invite_link_id"] for r in pending} == {limited["id"]}
        late = api.post(
            f"/{group['id']}/join_requests",
            json={**WHATSAPP, "join_requests": [pending[0]["join_request_id"]]},
        )
        assert late.status_code == 400 and error_code(late) == DEAD_LINK, late.text
        assert "used_up" in late.json()["error"]["error_data"]["details"], late.text
        assert len(pending_of(api, group["id"])) == 9


def link_failures(answer: httpx.Response) -> list[str]:
    """The reason of each approval that failed because of the link (code 100). A plain
    error (all failed) lists them in its details as ``<request id>: <reason>; ...``."""
    body = answer.json()
    if "error" in body:
        error = body["error"]
        if error["code"] != DEAD_LINK:
            return []
        listed = error["error_data"]["details"].split(". ", 1)[1]
        reasons = [item.split(": ", 1)[1] for item in listed.split("; ")]
        return [r for r in reasons if not r.startswith("No pending join request")]
    return [
        item["errors"][0]["error_data"]["details"]
        for item in body.get("failed_join_requests", [])
        if item["errors"][0]["code"] == DEAD_LINK
    ]


# ------------------------------------------ joins vs. revoke, pause, expiry, reset

CHANGE_JOINERS = 12  # people joining at once through each link that is being changed
AFTER_CHANGE = 24  # joins sent after the change took effect, per link


@dataclass(frozen=True)
class TimedJoin:
    wa_id: str
    sent: float  # time.time() just before the request was handed to the client
    answered: float
    answer: httpx.Response


@dataclass(frozen=True)
class LinkRace:
    """Joins through one link while it changes. ``took_effect`` is the wall-clock moment
    the change was in force: its answer's arrival, or the expiry time itself."""

    kind: str
    group: dict[str, Any]
    link: dict[str, Any]
    joins: list[TimedJoin]
    change: httpx.Response | None
    change_sent: float
    took_effect: float
    members_right_after: dict[str, str | None]


async def race_a_change(
    client: httpx.AsyncClient,
    kind: str,
    group: dict[str, Any],
    link: dict[str, Any],
    people: Iterator[str],
) -> LinkRace:
    """People keep joining through ``link`` while it is revoked, paused, paused with
    all of its group's links, reset with them, or reaches its ``expire_time``; joining
    goes on until ``AFTER_CHANGE`` joins were sent after the change took effect."""
    group_id, link_id = group["id"], link["id"]
    joins: list[TimedJoin] = []
    someone_in = asyncio.Event()
    stop = asyncio.Event()
    in_an_hour = int(time.time()) + 3600

    async def joiner() -> None:
        while not stop.is_set():
            wa_id = next(people)
            sent = time.time()
            answer = await client.post(
                f"/sandbox/invites/{link['code']}/join", json={"wa_id": wa_id}
            )
            joins.append(TimedJoin(wa_id, sent, time.time(), answer))
            if answer.status_code == 200:
                someone_in.set()

    def send_change() -> Any:
        if kind == "revoke":
            return client.request(
                "DELETE", f"/v23.0/{group_id}/invite_links/{link_id}", json=WHATSAPP
            )
        if kind == "pause":
            body = {**WHATSAPP, "paused_until": in_an_hour}
            return client.post(f"/v23.0/{group_id}/invite_links/{link_id}", json=body)
        if kind == "group pause":
            body = {**WHATSAPP, "invite_links_paused_until": in_an_hour}
            return client.post(f"/v23.0/{group_id}", json=body)
        assert kind == "reset"
        return client.post(f"/v23.0/{group_id}/invite_link", json=WHATSAPP)

    async def changer() -> LinkRace:
        try:
            await asyncio.wait_for(someone_in.wait(), 20)
            change: httpx.Response | None = None
            if kind == "expiry":
                # Its expiry is set now that joins flow (set at creation, a busy machine
                # could pass it before the first join): two seconds ahead, then waited out.
                # It takes effect at that second, or when the update answers if that is
                # later: until it commits, the link has no expiry to keep.
                # On a machine so busy that the update reaches the server after that
                # second, it is refused as in the past: set a later one (nothing changed).
                for lead in (2, 4, 8, 16):
                    expire_at = int(time.time()) + lead
                    body = {**WHATSAPP, "expire_time": expire_at}
                    change_sent = time.time()
                    path = f"/v23.0/{group_id}/invite_links/{link_id}"
                    change = await client.post(path, json=body)
                    if "in the future" not in change.text:
                        break
                took_effect = max(float(expire_at), time.time())
                await asyncio.sleep(max(0.0, took_effect - time.time()))
            else:
                await asyncio.sleep(0.01)  # let joins pile up behind each other
                change_sent = time.time()
                change = await send_change()
                took_effect = time.time()
            # Read as soon as the change took effect: whoever got in is here already.
            right_after = await client.get(f"/v23.0/{group_id}", params={"fields": "participants"})
            assert right_after.status_code == 200, right_after.text
            members = {
                p["wa_id"]: p.get("invite_link_id") for p in right_after.json()["participants"]
            }
            deadline = time.time() + 20
            while sum(j.sent > took_effect for j in joins) < AFTER_CHANGE:
                assert time.time() < deadline, f"{kind}: joins stalled after the change"
                await asyncio.sleep(0.005)
        finally:
            stop.set()
        return LinkRace(kind, group, link, joins, change, change_sent, took_effect, members)

    *_, race = await asyncio.gather(*(joiner() for _ in range(CHANGE_JOINERS)), changer())
    assert isinstance(race, LinkRace)
    return race


# What a link answers once each change is in force, and the state it then shows.
CHANGES = {
    "revoke": ("revoked", "revoked"),
    "pause": ("paused", "paused"),
    "group pause": ("paused", "paused"),
    "expiry": ("expired", "expired"),
    "reset": ("revoked", "revoked"),
}


def test_joins_racing_a_revoke_a_pause_an_expiry_or_a_reset_never_get_in_after_it(
    roomy: Server,
) -> None:
    biz = make_business(roomy.database_url, roomy.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
        setups = []
        for kind in CHANGES:
            group = create_group(api, biz, subject=f"Link race: {kind}")
            setups.append((kind, group, new_link(api, group["id"], name=kind)))
        people = (f"1555{n:07d}" for n in itertools.count())

        async def fire() -> list[LinkRace]:
            async with firing_client(biz, len(setups) * (CHANGE_JOINERS + 2)) as client:
                return list(
                    await asyncio.gather(
                        *(race_a_change(client, k, g, link, people) for k, g, link in setups)
                    )
                )

        races = asyncio.run(fire())

        tried: set[str] = set()
        everyone_in: set[str] = set()
        for race in races:
            group, link = race.group, race.link
            reason, state = CHANGES[race.kind]
            if race.change is not None:
                assert race.change.status_code == 200, describe(race.change)
            joined = [j.wa_id for j in race.joins if j.answer.status_code == 200]
            for j in race.joins:
                if j.answer.status_code == 200:
                    assert j.answer.json() == {"status": "joined", "group_id": group["id"]}
                else:  # the only refusal here is the change's
                    assert refusal(j.answer) == reason, f"{race.kind}: {describe(j.answer)}"
            tried |= {j.wa_id for j in race.joins}
            everyone_in |= set(joined)

            late = [j for j in race.joins if j.sent > race.took_effect]
            assert len(late) >= AFTER_CHANGE
            let_in_late = [describe(j.answer) for j in late if j.answer.status_code == 200]
            assert let_in_late == [], f"joined after the {race.kind} took effect"
            # The race was real: joins were in flight while the change was made, and
            # (but for the expiry, which the clock makes) the link both let people in
            # and turned away some sent before the change answered.
            assert any(
                j.sent < race.took_effect and j.answered > race.change_sent for j in race.joins
            ), race.kind
            assert joined, race.kind
            if race.kind != "expiry":
                assert len(joined) < len(race.joins) - len(late), race.kind

            stored = joined_at(roomy.database_url, group["id"])
            assert stored.keys() == set(joined), race.kind
            assert {via for _at, via in stored.values()} == {link["id"]}, race.kind
            if race.kind == "expiry":
                # Nobody was admitted at or after the second the link expired.
                late_in = [p for p, (at, _via) in stored.items() if at >= race.took_effect * 1000]
                assert late_in == [], "admitted after the link expired"
            # Everyone it let in was already in when the change answered: nobody got in
            # by committing after it. (An expiry has no commit: the clock decides.)
            if race.kind != "expiry":
                assert race.members_right_after == dict.fromkeys(joined, link["id"]), race.kind

            shown = read_link(api, group["id"], link["id"])
            assert shown["state"] == state and shown["counts"]["joined"] == len(joined), shown
            outsider = wa_ids(1, start=9_000_000)[0]
            assert refusal(join(biz, link["code"], outsider)) == reason, race.kind

        # Every refused person left nothing behind.
        assert people_stored(roomy.database_url, biz.business_id) == everyone_in
        assert len(tried) > len(everyone_in)

        # What each change did to the rest of its group, and pauses are only pauses.
        by_kind = {race.kind: race for race in races}
        outsider = wa_ids(1, start=9_000_000)[0]
        group = by_kind["group pause"].group
        assert refusal(join(biz, group["code"], outsider)) == "paused"  # the primary too
        resume = api.post(f"/{group['id']}", json={**WHATSAPP, "invite_links_paused_until": 0})
        assert resume.status_code == 200, resume.text
        assert join(biz, by_kind["group pause"].link["code"], outsider).status_code == 200
        pause = by_kind["pause"]
        assert join(biz, pause.group["code"], outsider).status_code == 200  # its own pause only
        resume = api.post(
            f"/{pause.group['id']}/invite_links/{pause.link['id']}",
            json={**WHATSAPP, "paused_until": 0},
        )
        assert resume.status_code == 200 and resume.json()["state"] == "active", resume.text
        assert join(biz, pause.link["code"], wa_ids(1, start=9_000_001)[0]).status_code == 200
        reset = by_kind["reset"]
        assert reset.change is not None
        new_code = code_of(reset.change.json()["invite_link"])
        assert refusal(join(biz, reset.group["code"], outsider)) == "revoked"  # the old primary
        assert join(biz, new_code, outsider).status_code == 200
