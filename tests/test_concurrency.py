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
