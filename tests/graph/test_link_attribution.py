"""Which link each person came through (WIRE.md), each link's counts, and the server's
scheduled rotation of the primary link, over real HTTP."""

from __future__ import annotations

import time

import httpx

from tests.conftest import Server
from tests.graph.helpers import (
    WHATSAPP,
    OutboxRows,
    approval_group,
    assert_envelope,
    code_of,
    joined,
    leave,
    participants_of,
    pending_of,
    phone,
)
from tests.graph.links_support import (
    all_links,
    audit_actions,
    make_rotation_due,
    new_link,
    read_link,
    refused,
)
from tests.support import Business, create_group


def test_participants_and_requests_carry_the_link_they_came_through(
    api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz)
    poster = new_link(api, group["id"], name="Poster", join_approval_mode="auto_approve")
    primary_id = all_links(api, group["id"])[0]["id"]
    joined(biz, poster["code"], phone(1))
    asked = joined(biz, group["code"], phone(2))["join_request_id"]
    [request] = pending_of(api, group["id"])
    assert request["invite_link_id"] == primary_id
    assert (
        api.post(
            f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": [asked]}
        ).status_code
        == 200
    )
    by_number = {p["wa_id"]: p.get("invite_link_id") for p in participants_of(api, group["id"])}
    assert by_number == {phone(1): poster["id"], phone(2): primary_id}


def test_webhook_events_name_the_link(api: httpx.Client, biz: Business, server: Server) -> None:
    group = approval_group(api, biz)
    gated, open_ = (
        new_link(api, group["id"]),
        new_link(api, group["id"], join_approval_mode="auto_approve"),
    )
    asked = joined(biz, gated["code"], phone(1))["join_request_id"]
    joined(biz, open_["code"], phone(2))
    api.post(f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": [asked]})
    outbox = OutboxRows(server.database_url, biz.business_id)
    try:
        items = [row["item"] for row in outbox.all() if row["item"]["group_id"] == group["id"]]
    finally:
        outbox.close()
    [created] = [i for i in items if i["type"] == "group_join_request_created"]
    assert created["invite_link_id"] == gated["id"]
    adds = [i["added_participants"] for i in items if i["type"] == "group_participants_add"]
    assert adds == [
        [{"user_id": adds[0][0]["user_id"], "wa_id": phone(2), "invite_link_id": open_["id"]}],
        [
            {
                "user_id": adds[1][0]["user_id"],
                "wa_id": phone(1),
                "input": phone(1),
                "invite_link_id": gated["id"],
            }
        ],
    ]


def test_each_link_counts_requests_decisions_joins_and_leavers(
    api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz)
    link = new_link(api, group["id"])
    requests = [joined(biz, link["code"], phone(n))["join_request_id"] for n in (1, 2, 3)]
    api.post(f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": requests[:2]})
    api.request(
        "DELETE", f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": requests[2:]}
    )
    assert leave(biz, group["id"], phone(1)).status_code == 200
    removed = api.request(
        "DELETE",
        f"/{group['id']}/participants",
        json={**WHATSAPP, "participants": [{"user": phone(2)}]},
    )
    assert removed.status_code == 200, removed.text
    counts = read_link(api, group["id"], link["id"])["counts"]
    assert counts == {
        "opens": 0,
        "join_requests": 3,
        "approved": 2,
        "rejected": 1,
        "joined": 2,
        "left": 2,
    }
    # The primary link saw none of it.
    assert all_links(api, group["id"])[0]["counts"]["join_requests"] == 0


def test_the_server_rotates_the_primary_link_on_schedule_without_being_called(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    other = new_link(api, group["id"])
    answer = api.post(f"/{group['id']}", json={**WHATSAPP, "invite_link_rotation_days": 7})
    assert answer.status_code == 200, answer.text
    fields = api.get(f"/{group['id']}", params={"fields": "invite_link_rotation_days"}).json()
    assert fields["invite_link_rotation_days"] == 7
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == group["invite_link"]

    make_rotation_due(server.database_url, group["id"])  # as if the seven days had passed
    deadline = time.monotonic() + 10
    current = group["invite_link"]
    while current == group["invite_link"] and time.monotonic() < deadline:
        time.sleep(0.2)
        current = api.get(f"/{group['id']}/invite_link").json()["invite_link"]
    assert current != group["invite_link"], "the primary link did not rotate"
    refused(biz, group["code"], phone(1), "revoked")
    assert joined(biz, code_of(current), phone(1))["status"] == "joined"
    assert joined(biz, other["code"], phone(2))["status"] == "joined"  # the others stay
    rotations = [
        a for a in audit_actions(server.database_url, biz.business_id) if a[0] == "link.rotate"
    ]
    assert rotations == [("link.rotate", "system", "system")]  # once, whatever the workers
    time.sleep(1.5)  # the next due time is seven days away: no second rotation
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == current


def test_rotation_days_are_checked(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    for off in (0, None):
        answer = api.post(f"/{group['id']}", json={**WHATSAPP, "invite_link_rotation_days": off})
        assert answer.status_code == 200, answer.text
        fields = api.get(f"/{group['id']}", params={"fields": "invite_link_rotation_days"})
        assert fields.json()["invite_link_rotation_days"] == 0
    for bad in (-1, 366, "weekly", 1.5):
        answer = api.post(f"/{group['id']}", json={**WHATSAPP, "invite_link_rotation_days": bad})
        assert_envelope(answer, 400, 100)
    for bad in (1, "later"):
        answer = api.post(f"/{group['id']}", json={**WHATSAPP, "invite_links_paused_until": bad})
        assert_envelope(answer, 400, 100)
