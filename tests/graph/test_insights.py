"""WIRE.md Insights over real HTTP: each link's figures per UTC day, for the group and
for one link, agreeing with the links' own counts."""

from __future__ import annotations

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa

from grouplink.services.core import Core
from grouplink.store.tables import audit_log, groups, invite_links
from tests.conftest import Server
from tests.graph.helpers import (
    WHATSAPP,
    approval_group,
    assert_envelope,
    http,
    join,
    joined,
    leave,
    phone,
)
from tests.graph.links_support import all_links, new_link, read_link
from tests.support import Business, with_core
from tests.web.pages import Person

FIGURES = ("opens", "join_requests", "joined", "approved", "rejected", "left")


def test_insights_count_each_links_funnel_by_day_and_agree_with_its_counts(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz)
    poster = new_link(api, group["id"], name="Poster")
    walk_in = new_link(api, group["id"], name="Walk-in", join_approval_mode="auto_approve")
    asked = [joined(biz, poster["code"], phone(n))["join_request_id"] for n in (1, 2, 3)]
    api.post(f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": asked[:2]})
    api.request(
        "DELETE", f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": asked[2:]}
    )
    joined(biz, walk_in["code"], phone(4))
    leave(biz, group["id"], phone(1))
    visitor = Person(server.base_url)
    try:
        assert visitor.open(poster["code"]).status == 200
    finally:
        visitor.close()
    deadline = time.monotonic() + 15  # opens are written every 2 s
    while read_link(api, group["id"], poster["id"])["counts"]["opens"] < 1:
        assert time.monotonic() < deadline, "the open was never counted"
        time.sleep(0.25)

    answer = api.get(f"/{group['id']}/insights")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    rows = {row["invite_link_id"]: row for row in body["data"]}
    assert set(rows) == {poster["id"], walk_in["id"]}  # the primary did nothing
    assert {row["date"] for row in body["data"]} == {today}
    expected = {
        poster["id"]: {
            "opens": 1,
            "join_requests": 3,
            "joined": 2,
            "approved": 2,
            "rejected": 1,
            "left": 1,
        },
        walk_in["id"]: {
            "opens": 0,
            "join_requests": 0,
            "joined": 1,
            "approved": 0,
            "rejected": 0,
            "left": 0,
        },
    }
    for link_id, figures in expected.items():
        assert {k: rows[link_id][k] for k in FIGURES} == figures
        assert read_link(api, group["id"], link_id)["counts"] == figures  # the same figures
    assert body["totals"] == {k: sum(f[k] for f in expected.values()) for k in FIGURES}
    assert body["since"] < time.time() < body["until"] and body["until"] % 86_400 == 0

    one = api.get(f"/{group['id']}/invite_links/{walk_in['id']}/insights").json()
    assert [row["invite_link_id"] for row in one["data"]] == [walk_in["id"]]
    assert one["totals"]["joined"] == 1

    # A window before any of it has no rows; a bad window is refused.
    past = api.get(f"/{group['id']}/insights", params={"since": 86_400, "until": 2 * 86_400})
    assert past.status_code == 200 and past.json()["data"] == []
    assert past.json()["totals"] == dict.fromkeys(FIGURES, 0)
    assert_envelope(api.get(f"/{group['id']}/insights", params={"since": 10, "until": 5}), 400, 100)
    assert_envelope(api.get(f"/{group['id']}/insights", params={"since": "soon"}), 400, 100)
    assert_envelope(api.get(f"/{group['id']}/invite_links/nolink/insights"), 400, 100)
    assert len(all_links(api, group["id"])) == 3


def audit_figures(database_url: str, group_id: str) -> dict[str, dict[str, int]]:
    """Each link's figures as the audit log tells them (link id -> figure -> count)."""

    async def read(core: Core) -> dict[str, dict[str, int]]:
        async with core.db.read() as conn:
            rows = await conn.execute(
                sa.select(audit_log.c.action, audit_log.c.detail, invite_links.c.id)
                .join(invite_links, invite_links.c.pk == audit_log.c.link_pk)
                .join(groups, groups.c.pk == audit_log.c.group_pk)
                .where(groups.c.id == group_id)
            )
            found: dict[str, dict[str, int]] = {}
            for action, detail, link_id in rows:
                figures = found.setdefault(link_id, dict.fromkeys(FIGURES[1:], 0))
                listed = json.loads(detail)
                if action == "join_request.create":
                    figures["join_requests"] += 1
                elif action == "participants.add":
                    figures["joined"] += len(listed["wa_ids"])
                elif action == "join_request.approve":
                    figures["approved"] += len(listed["join_request_ids"])
                elif action == "join_request.reject":
                    figures["rejected"] += len(listed["join_request_ids"])
                elif action in ("participants.leave", "participants.remove"):
                    figures["left"] += len(listed["wa_ids"])
            return {link: f for link, f in found.items() if any(f.values())}  # not link.create

    return with_core(database_url, read)


def test_after_a_random_concurrent_run_insights_agree_with_the_audit_log_and_participants(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    rng = random.Random(11)
    group = approval_group(api, biz)
    links = [
        new_link(api, group["id"], name="Open", join_approval_mode="auto_approve"),
        new_link(api, group["id"], name="Gated"),
        new_link(
            api, group["id"], name="Limited", member_limit=3, join_approval_mode="auto_approve"
        ),
    ]
    people = [phone(100 + n) for n in range(40)]

    def act(n: int) -> None:
        person = people[n % len(people)]
        link = rng.choice(links)
        joined_or_not = join(biz, link["code"], person)
        if joined_or_not.status_code != 200:
            return
        answer = joined_or_not.json()
        if answer["status"] == "requested":
            verb = "POST" if n % 3 else "DELETE"
            decide = {**WHATSAPP, "join_requests": [answer["join_request_id"]]}
            http().request(
                verb, f"{biz.graph}/{group['id']}/join_requests", json=decide, headers=biz.auth
            )
        elif n % 4 == 0:
            leave(biz, group["id"], person)
        elif n % 5 == 0:
            gone = {**WHATSAPP, "participants": [{"user": person}]}
            http().request(
                "DELETE", f"{biz.graph}/{group['id']}/participants", json=gone, headers=biz.auth
            )

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(act, range(80)))

    found = api.get(f"/{group['id']}/insights").json()
    by_link: dict[str, dict[str, int]] = {}
    for row in found["data"]:
        figures = by_link.setdefault(row["invite_link_id"], dict.fromkeys(FIGURES[1:], 0))
        for name in FIGURES[1:]:
            figures[name] += row[name]
    assert by_link == audit_figures(server.database_url, group["id"])
    assert sum(f["joined"] for f in by_link.values()) > 0
    members = api.get(f"/{group['id']}", params={"fields": "participants"}).json()["participants"]
    for link_id, figures in by_link.items():
        here = [p for p in members if p.get("invite_link_id") == link_id]
        assert len(here) == figures["joined"] - figures["left"], link_id
    assert by_link.get(links[2]["id"], {"joined": 0})["joined"] <= 3  # never past its limit
