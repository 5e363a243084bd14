"""WIRE.md L1-L5 over real HTTP: a group's several links, their states and refusals."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import (
    WHATSAPP,
    approval_group,
    assert_envelope,
    code_of,
    joined,
    phone,
    reset_link,
    wa_ids_of,
)
from tests.graph.links_support import (
    all_links,
    edit_link,
    in_seconds,
    new_link,
    read_link,
    refused,
    revoke,
    traces_of,
    wait_until,
)
from tests.support import Business, create_group, make_business

LINK_KEYS = {
    "id",
    "invite_link",
    "is_primary",
    "name",
    "state",
    "expire_time",
    "member_limit",
    "join_approval_mode",
    "allowed_users",
    "paused_until",
    "group_paused_until",
    "creation_timestamp",
    "revoked_timestamp",
    "created_by",
    "counts",
}
NO_COUNTS = {"opens": 0, "join_requests": 0, "joined": 0, "approved": 0, "rejected": 0, "left": 0}


def test_a_link_is_made_read_listed_and_edited_with_every_field(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    expire = in_seconds(3600)
    made = new_link(
        api,
        group["id"],
        name="Poster at the library",
        expire_time=expire,
        member_limit=10,
        join_approval_mode="approval_required",
    )
    assert set(made) - {"code"} == LINK_KEYS | {"messaging_product", "request_id"}
    assert made["messaging_product"] == "whatsapp" and made["request_id"]
    assert made["invite_link"] == f"{server.base_url}/{made['code']}"
    assert made["code"] != group["code"]
    expected = {
        "is_primary": False,
        "name": "Poster at the library",
        "state": "active",
        "expire_time": expire,
        "member_limit": 10,
        "join_approval_mode": "approval_required",
        "allowed_users": None,
        "paused_until": None,
        "group_paused_until": None,
        "revoked_timestamp": None,
        "created_by": {"type": "business"},
        "counts": NO_COUNTS,
    }
    assert {k: made[k] for k in expected} == expected
    read = read_link(api, group["id"], made["id"])
    assert read == {
        k: v for k, v in made.items() if k not in ("messaging_product", "request_id", "code")
    }

    second = new_link(api, group["id"], name="Newsletter")
    listed = all_links(api, group["id"])
    # The primary first, then the newest first.
    assert [link["name"] for link in listed] == ["", "Newsletter", "Poster at the library"]
    assert [link["is_primary"] for link in listed] == [True, False, False]
    assert listed[0]["invite_link"] == group["invite_link"]

    edited = edit_link(api, group["id"], second["id"], name="Newsletter, May", member_limit=None)
    assert edited["name"] == "Newsletter, May" and edited["member_limit"] is None
    cleared = edit_link(api, group["id"], made["id"], expire_time=None, join_approval_mode=None)
    assert cleared["expire_time"] is None and cleared["join_approval_mode"] is None
    assert cleared["name"] == "Poster at the library"  # what was not sent stays


def test_the_primary_link_may_be_renamed_and_paused_but_keeps_the_groups_rules(
    api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    primary = all_links(api, group["id"])[0]
    for fields in ({"member_limit": 5}, {"expire_time": in_seconds(60)}, {"allowed_users": None}):
        answer = api.post(
            f"/{group['id']}/invite_links/{primary['id']}", json={**WHATSAPP, **fields}
        )
        assert next(iter(fields)) in assert_envelope(answer, 400, 100)["error_data"]["details"]
    until = in_seconds(3600)
    edited = edit_link(api, group["id"], primary["id"], name="Main link", paused_until=until)
    assert (edited["name"], edited["state"], edited["is_primary"]) == ("Main link", "paused", True)
    refused(biz, group["code"], phone(1), "paused")
    # Meta's call still shows the paused link: it is the group's link, for later.
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == group["invite_link"]


def test_a_link_can_start_paused(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    until = in_seconds(3600)
    link = new_link(api, group["id"], name="Opens on Friday", paused_until=until)
    assert (link["state"], link["paused_until"]) == ("paused", until)
    refused(biz, link["code"], phone(1), "paused")


def test_each_link_follows_its_own_approval_rule_or_the_groups(
    api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)  # the group lets people in at once
    gated = new_link(api, group["id"], join_approval_mode="approval_required")
    follows = new_link(api, group["id"])
    assert joined(biz, gated["code"], phone(1))["status"] == "requested"
    assert joined(biz, follows["code"], phone(2))["status"] == "joined"
    api.post(f"/{group['id']}", json={**WHATSAPP, "join_approval_mode": "approval_required"})
    assert joined(biz, follows["code"], phone(3))["status"] == "requested"


def test_a_link_admits_nobody_from_the_second_it_expires(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    expire = in_seconds(2)
    link = new_link(api, group["id"], expire_time=expire)
    assert joined(biz, link["code"], phone(1))["status"] == "joined"
    wait_until(expire)
    assert read_link(api, group["id"], link["id"])["state"] == "expired"
    refused(biz, link["code"], phone(2), "expired")
    assert traces_of(server.database_url, biz.business_id, phone(2)) == {
        "people": 0,
        "participants": 0,
        "requests": 0,
    }
    assert [x["id"] for x in all_links(api, group["id"], state="expired")] == [link["id"]]
    assert link["id"] not in [x["id"] for x in all_links(api, group["id"], state="active")]


def test_a_member_limit_is_a_limit_on_people_admitted_through_the_link(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    link = new_link(api, group["id"], member_limit=2)
    for n in (1, 2):
        assert joined(biz, link["code"], phone(n))["status"] == "joined"
    refused(biz, link["code"], phone(3), "used_up")
    assert traces_of(server.database_url, biz.business_id, phone(3))["people"] == 0
    after = read_link(api, group["id"], link["id"])
    assert after["state"] == "used_up" and after["counts"]["joined"] == 2
    # The primary link has no limit of its own.
    assert joined(biz, group["code"], phone(3))["status"] == "joined"
    # Raising the limit opens the link again.
    assert edit_link(api, group["id"], link["id"], member_limit=3)["state"] == "active"
    assert joined(biz, link["code"], phone(4))["status"] == "joined"


def test_approvals_never_pass_a_links_member_limit(api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz)
    link = new_link(api, group["id"], member_limit=1)
    first = joined(biz, link["code"], phone(1))["join_request_id"]
    second = joined(biz, link["code"], phone(2))["join_request_id"]
    answer = api.post(
        f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": [first, second]}
    )
    assert answer.status_code == 206, answer.text
    body = answer.json()
    assert body["approved_join_requests"] == [first]
    [failed] = body["failed_join_requests"]
    assert failed["join_request_id"] == second
    assert failed["errors"][0]["error_data"]["details"] == "used_up"
    assert wa_ids_of(api, group["id"]) == [phone(1)]
    counts = read_link(api, group["id"], link["id"])["counts"]
    assert counts == {**NO_COUNTS, "join_requests": 2, "approved": 1, "joined": 1}
    # Nobody more may ask through a used-up link; the one left waits for the admin.
    refused(biz, link["code"], phone(3), "used_up")
    assert [
        r["join_request_id"] for r in api.get(f"/{group['id']}/join_requests").json()["data"]
    ] == [second]


def test_a_paused_link_refuses_until_its_time_or_until_resumed(
    api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    link = new_link(api, group["id"])
    until = in_seconds(3600)
    paused = edit_link(api, group["id"], link["id"], paused_until=until)
    assert paused["state"] == "paused" and paused["paused_until"] == until
    refused(biz, link["code"], phone(1), "paused")
    assert joined(biz, group["code"], phone(2))["status"] == "joined"  # the others still work
    resumed = edit_link(api, group["id"], link["id"], paused_until=0)
    assert resumed["state"] == "active" and resumed["paused_until"] is None
    assert joined(biz, link["code"], phone(1))["status"] == "joined"

    short = in_seconds(2)
    edit_link(api, group["id"], link["id"], paused_until=short)
    refused(biz, link["code"], phone(3), "paused")
    wait_until(short)
    assert joined(biz, link["code"], phone(3))["status"] == "joined"


def test_pausing_every_link_of_a_group_is_a_group_setting(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    other = new_link(api, group["id"])
    until = in_seconds(3600)
    answer = api.post(f"/{group['id']}", json={**WHATSAPP, "invite_links_paused_until": until})
    assert answer.status_code == 200, answer.text
    fields = api.get(f"/{group['id']}", params={"fields": "invite_links_paused_until"}).json()
    assert fields["invite_links_paused_until"] == until
    for code in (group["code"], other["code"]):
        refused(biz, code, phone(1), "paused")
    listed = all_links(api, group["id"])
    assert {x["state"] for x in listed} == {"paused"}
    assert {x["group_paused_until"] for x in listed} == {until}
    assert {x["paused_until"] for x in listed} == {None}  # their own pauses are untouched
    api.post(f"/{group['id']}", json={**WHATSAPP, "invite_links_paused_until": 0})
    fields = api.get(f"/{group['id']}", params={"fields": "invite_links_paused_until"}).json()
    assert fields["invite_links_paused_until"] is None
    assert joined(biz, other["code"], phone(1))["status"] == "joined"


def test_a_link_for_some_people_refuses_everyone_else_and_stores_nothing_of_them(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    joined(biz, group["code"], phone(9))
    [known] = [
        p
        for p in api.get(f"/{group['id']}", params={"fields": "participants"}).json()[
            "participants"
        ]
    ]
    link = new_link(
        api, group["id"], allowed_users=[{"user": "+1 555-010-0001"}, {"user_id": known["user_id"]}]
    )
    assert [p["wa_id"] for p in link["allowed_users"]] == [phone(1), phone(9)]
    assert all(p["user_id"] for p in link["allowed_users"])
    refused(biz, link["code"], phone(2), "not_allowed")
    assert traces_of(server.database_url, biz.business_id, phone(2)) == {
        "people": 0,
        "participants": 0,
        "requests": 0,
    }
    assert joined(biz, link["code"], phone(1))["status"] == "joined"
    opened = edit_link(api, group["id"], link["id"], allowed_users=None)
    assert opened["allowed_users"] is None
    assert joined(biz, link["code"], phone(2))["status"] == "joined"


def test_revoking_one_link_stops_it_alone_at_once(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    doomed, kept = new_link(api, group["id"]), new_link(api, group["id"])
    revoke(api, group["id"], doomed["id"])
    refused(biz, doomed["code"], phone(1), "revoked")
    after = read_link(api, group["id"], doomed["id"])
    assert after["state"] == "revoked" and isinstance(after["revoked_timestamp"], int)
    revoke(api, group["id"], doomed["id"])  # again: nothing changes
    assert joined(biz, kept["code"], phone(1))["status"] == "joined"
    assert joined(biz, group["code"], phone(2))["status"] == "joined"
    changed = api.post(
        f"/{group['id']}/invite_links/{doomed['id']}", json={**WHATSAPP, "name": "x"}
    )
    assert_envelope(changed, 400, 100)


def test_reset_revokes_every_working_link_and_scope_primary_only_the_primary(
    api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    first, second = new_link(api, group["id"]), new_link(api, group["id"])
    rotated = api.post(f"/{group['id']}/invite_link", json={**WHATSAPP, "scope": "primary"})
    assert rotated.status_code == 200, rotated.text
    assert set(rotated.json()) == {"messaging_product", "invite_link"}  # Meta's shape
    refused(biz, group["code"], phone(1), "revoked")
    assert joined(biz, first["code"], phone(1))["status"] == "joined"

    new_primary = reset_link(api, group["id"])  # Meta's reset: the panic button
    for code in (code_of(rotated.json()["invite_link"]), first["code"], second["code"]):
        refused(biz, code, phone(2), "revoked")
    listed = all_links(api, group["id"])
    assert listed[0]["invite_link"] == new_primary and listed[0]["is_primary"]
    assert [x["state"] for x in listed[1:]] == ["revoked"] * (len(listed) - 1)
    assert joined(biz, code_of(new_primary), phone(2))["status"] == "joined"
    bad = api.post(f"/{group['id']}/invite_link", json={**WHATSAPP, "scope": "others"})
    assert_envelope(bad, 400, 100)


def test_a_group_has_at_most_100_working_links_besides_its_primary(
    api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    made = [new_link(api, group["id"]) for _ in range(100)]
    over = api.post(f"/{group['id']}/invite_links", json=WHATSAPP)
    error = assert_envelope(over, 400, 100)
    assert "100" in error["error_data"]["details"]
    revoke(api, group["id"], made[0]["id"])
    new_link(api, group["id"])
    assert len(all_links(api, group["id"], state="active")) == 101  # the primary and 100


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"name": "x" * 33}, "name"),
        ({"expire_time": 1}, "expire_time"),
        ({"expire_time": "soon"}, "expire_time"),
        ({"member_limit": 0}, "member_limit"),
        ({"member_limit": 100_000}, "member_limit"),
        ({"member_limit": True}, "member_limit"),
        ({"join_approval_mode": "sometimes"}, "join_approval_mode"),
        ({"allowed_users": []}, "allowed_users"),
        ({"allowed_users": [{"user": "not a phone"}]}, "phone"),
        ({"allowed_users": [{"user_id": "US.123"}]}, "user_id"),
    ],
)
def test_bad_link_fields_are_refused_with_a_clear_error_and_nothing_made(
    api: httpx.Client, biz: Business, fields: dict[str, object], words: str
) -> None:
    group = create_group(api, biz)
    error = assert_envelope(
        api.post(f"/{group['id']}/invite_links", json={**WHATSAPP, **fields}), 400, 100
    )
    assert words in error["error_data"]["details"], error
    assert len(all_links(api, group["id"])) == 1


def test_unknown_links_states_and_other_businesses_links_look_alike(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    link = new_link(api, group["id"])
    assert_envelope(api.get(f"/{group['id']}/invite_links/nosuchlink"), 400, 100)
    assert_envelope(api.get(f"/{group['id']}/invite_links", params={"state": "zombie"}), 400, 100)
    other_group = create_group(api, biz)
    assert_envelope(api.get(f"/{other_group['id']}/invite_links/{link['id']}"), 400, 100)
    assert_envelope(api.post(f"/{group['id']}/invite_links", json={"name": "x"}), 400, 100)
    stranger = make_business(server.database_url, server.graph)
    with httpx.Client(base_url=stranger.graph, headers=stranger.auth, timeout=30) as theirs:
        assert_envelope(theirs.get(f"/{group['id']}/invite_links"), 400, 131041)
        assert_envelope(theirs.get(f"/{group['id']}/invite_links/{link['id']}"), 400, 131041)
        gone = theirs.request("DELETE", f"/{group['id']}/invite_links/{link['id']}", json=WHATSAPP)
        assert_envelope(gone, 400, 131041)
    assert read_link(api, group["id"], link["id"])["state"] == "active"
