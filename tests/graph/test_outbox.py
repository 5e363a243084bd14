"""WIRE.md "Webhooks": every reported change writes one outbox row in Meta's shape.

The rows are read straight from the ``outbox`` table: ``field`` is the webhook
field and ``payload`` one item of ``value.groups``. A refused request writes none.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import (
    WHATSAPP,
    OutboxRows,
    approval_group,
    ask,
    assert_envelope,
    cancel,
    join,
    joined,
    leave,
    participants_of,
    phone,
    reset_link,
    sandbox_post,
)
from tests.meta_schemas import check_group_event
from tests.support import Business, create_group

LIFECYCLE = "group_lifecycle_update"
PARTICIPANTS = "group_participants_update"
SETTINGS = "group_settings_update"
STATUS = "group_status_update"


class Outbox:
    """The business's outbox, read in steps: :meth:`new` returns rows since the last call."""

    def __init__(self, rows: OutboxRows, biz: Business) -> None:
        self.rows, self.biz, self.seen = rows, biz, 0

    def new(self) -> list[dict[str, Any]]:
        rows = self.rows.all()
        fresh, self.seen = rows[self.seen :], len(rows)
        return fresh

    def one(self, field: str, kind: str, group_id: str) -> dict[str, Any]:
        """Exactly one new row, of this field and type, about this group; its item."""
        fresh = self.new()
        assert len(fresh) == 1, fresh
        [row] = fresh
        assert row["field"] == field, row
        assert row["phone_number_id"] == self.biz.phone_number_id, row
        item: dict[str, Any] = row["item"]
        assert item["type"] == kind, item
        assert item["group_id"] == group_id, item
        stamp = item["timestamp"]
        assert isinstance(stamp, str) and stamp.isdigit(), item  # unix seconds, as a string
        assert abs(int(stamp) - time.time()) < 300, item
        check_group_event(item)  # Meta's schema (request_id required, no nulls)
        return item

    def none(self) -> None:
        assert self.new() == []


@pytest.fixture
def outbox(server: Server, biz: Business) -> Iterator[Outbox]:
    """The test business's outbox; call ``new()`` once to skip rows written while setting up."""
    rows = OutboxRows(server.database_url, biz.business_id)
    try:
        yield Outbox(rows, biz)
    finally:
        rows.close()


def test_group_create(outbox: Outbox, biz: Business, api: httpx.Client) -> None:
    answer = api.post(
        f"/{biz.phone_number_id}/groups",
        json={**WHATSAPP, "subject": "  Book club ", "join_approval_mode": "approval_required"},
    ).json()
    item = outbox.one(LIFECYCLE, "group_create", answer["id"])
    link = api.get(f"/{answer['id']}/invite_link").json()["invite_link"]
    assert item["request_id"] == answer["request_id"]
    assert item["subject"] == "Book club"
    assert item["invite_link"] == link
    assert item["join_approval_mode"] == "approval_required"
    assert "errors" not in item

    plain = api.post(f"/{biz.phone_number_id}/groups", json={**WHATSAPP, "subject": "Plain"})
    assert outbox.one(LIFECYCLE, "group_create", plain.json()["id"])["join_approval_mode"] == (
        "auto_approve"
    )


def test_join_by_link_adds_a_participant(outbox: Outbox, biz: Business, api: httpx.Client) -> None:
    group = create_group(api, biz)
    outbox.new()
    joined(biz, group["code"], phone(1))
    item = outbox.one(PARTICIPANTS, "group_participants_add", group["id"])
    [person] = participants_of(api, group["id"])
    assert item["reason"] == "invite_link"
    # grouplink adds the link the person came through (Meta's keys are unchanged).
    assert item["added_participants"] == [
        {
            "user_id": person["user_id"],
            "wa_id": phone(1),
            "invite_link_id": person["invite_link_id"],
        }
    ]


def test_join_request_created_revoked_and_approved(
    outbox: Outbox, biz: Business, api: httpx.Client
) -> None:
    group = approval_group(api, biz)
    outbox.new()

    first = ask(biz, group["code"], phone(1))
    created = outbox.one(PARTICIPANTS, "group_join_request_created", group["id"])
    [pending] = api.get(f"/{group['id']}/join_requests").json()["data"]
    assert created["join_request_id"] == first
    assert (created["user_id"], created["wa_id"]) == (pending["user_id"], phone(1))
    assert isinstance(created["reason"], str) and created["reason"]
    ask(biz, group["code"], phone(1))
    outbox.none()  # asking twice is the same request: no second event

    assert cancel(biz, group["code"], phone(1)).status_code == 200
    revoked = outbox.one(PARTICIPANTS, "group_join_request_revoked", group["id"])
    assert revoked["join_request_id"] == first
    assert (revoked["user_id"], revoked["wa_id"]) == (pending["user_id"], phone(1))
    assert isinstance(revoked["reason"], str) and revoked["reason"]

    second = ask(biz, group["code"], phone(2))
    assert outbox.one(PARTICIPANTS, "group_join_request_created", group["id"])[
        "join_request_id"
    ] == (second)
    approved = api.post(
        f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": [second]}
    )
    assert approved.status_code == 200, approved.text
    added = outbox.one(PARTICIPANTS, "group_participants_add", group["id"])
    assert added["request_id"] == approved.json()["request_id"]  # the approval caused it
    [member] = participants_of(api, group["id"])
    assert added["reason"] == "invite_link"
    [person] = added["added_participants"]
    assert (person["user_id"], person["wa_id"]) == (member["user_id"], phone(2))
    assert isinstance(person["input"], str) and person["input"]


def test_joining_after_asking_ends_the_request_with_an_event(
    outbox: Outbox, biz: Business, api: httpx.Client
) -> None:
    """Asked while approval was required; the group then let everyone in and the
    person joined: the request ends, and a webhook says so after the join's."""
    group = approval_group(api, biz)
    request_id = ask(biz, group["code"], phone(1))
    api.post(f"/{group['id']}", json={**WHATSAPP, "join_approval_mode": "auto_approve"})
    outbox.new()
    assert joined(biz, group["code"], phone(1))["status"] == "joined"
    fresh = outbox.new()
    assert [row["item"]["type"] for row in fresh] == [
        "group_participants_add",
        "group_join_request_revoked",
    ], fresh
    revoked = fresh[1]["item"]
    assert revoked["join_request_id"] == request_id and revoked["wa_id"] == phone(1)
    assert revoked["reason"] == "cancelled_by_user"
    assert api.get(f"/{group['id']}/join_requests").json()["data"] == []


def test_reject_writes_no_event(outbox: Outbox, biz: Business, api: httpx.Client) -> None:
    group = approval_group(api, biz)
    request_id = ask(biz, group["code"], phone(1))
    outbox.new()
    rejected = api.request(
        "DELETE", f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": [request_id]}
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["rejected_join_requests"] == [request_id]
    outbox.none()


def test_business_removal_and_participant_leave(
    outbox: Outbox, biz: Business, api: httpx.Client
) -> None:
    group = create_group(api, biz)
    for n in (1, 2, 3):
        joined(biz, group["code"], phone(n))
    user_id = {p["wa_id"]: p["user_id"] for p in participants_of(api, group["id"])}
    outbox.new()

    named = [{"user": "+1 555-010-0001"}, {"user_id": user_id[phone(3)]}]
    answer = api.request(
        "DELETE", f"/{group['id']}/participants", json={**WHATSAPP, "participants": named}
    )
    assert answer.status_code == 200, answer.text
    removed = outbox.one(PARTICIPANTS, "group_participants_remove", group["id"])
    assert removed["initiated_by"] == "business"
    assert removed["request_id"] == answer.json()["request_id"]
    assert [p["input"] for p in removed["removed_participants"]] == [
        "+1 555-010-0001",
        user_id[phone(3)],
    ]

    assert leave(biz, group["id"], phone(2)).status_code == 200
    left = outbox.one(PARTICIPANTS, "group_participants_remove", group["id"])
    assert left["initiated_by"] == "participant"
    assert [p["wa_id"] for p in left["removed_participants"]] == [phone(2)]


def test_settings_update_reports_each_changed_item(
    outbox: Outbox, biz: Business, api: httpx.Client
) -> None:
    group = create_group(api, biz)
    outbox.new()

    answer = api.post(f"/{group['id']}", json={**WHATSAPP, "subject": " Renamed "})
    assert answer.status_code == 200, answer.text
    item = outbox.one(SETTINGS, "group_settings_update", group["id"])
    assert item["request_id"] == answer.json()["request_id"]
    assert item["group_subject"] == {"text": "Renamed", "update_successful": True}
    assert "group_description" not in item and "profile_picture" not in item

    answer = api.post(f"/{group['id']}", json={**WHATSAPP, "description": "About us"})
    item = outbox.one(SETTINGS, "group_settings_update", group["id"])
    assert item["request_id"] == answer.json()["request_id"]
    assert item["group_description"] == {"text": "About us", "update_successful": True}
    assert "group_subject" not in item


def test_group_delete(outbox: Outbox, biz: Business, api: httpx.Client) -> None:
    group = create_group(api, biz)
    outbox.new()
    answer = api.delete(f"/{group['id']}")
    assert answer.status_code == 200, answer.text
    item = outbox.one(LIFECYCLE, "group_delete", group["id"])
    assert item["request_id"] == answer.json()["request_id"]


def test_refused_requests_write_no_event(outbox: Outbox, biz: Business, api: httpx.Client) -> None:
    group = create_group(api, biz)
    for n in range(1, 9):
        joined(biz, group["code"], phone(n))
    outbox.new()

    assert_envelope(join(biz, group["code"], phone(9)), 400, 131204)  # the group is full
    assert_envelope(join(biz, group["code"], phone(1)), 400, 131202)  # already in
    people = [{"user": phone(1)}, {"user": phone(20)}]
    refused = api.request(
        "DELETE", f"/{group['id']}/participants", json={**WHATSAPP, "participants": people}
    )
    assert_envelope(refused, 400, 131212)
    assert_envelope(api.post(f"/{group['id']}", json={**WHATSAPP, "subject": " "}), 400, 100)
    dead = group["code"]
    reset_link(api, group["id"])
    outbox.new()  # (a reset is not a webhook event in WIRE.md; skip whatever it wrote)
    assert_envelope(join(biz, dead, phone(30)), 400, 100)
    outbox.none()
    assert len(participants_of(api, group["id"])) == 8

    requests = approval_group(api, biz)
    outbox.new()
    unknown = api.post(
        f"/{requests['id']}/join_requests", json={**WHATSAPP, "join_requests": ["NoSuchRequest0"]}
    )
    assert_envelope(unknown, 400, 131213)
    outbox.none()


def test_approval_past_capacity_reports_only_who_got_in(
    outbox: Outbox, biz: Business, api: httpx.Client
) -> None:
    group = approval_group(api, biz)
    ids = [ask(biz, group["code"], phone(n)) for n in range(9)]
    outbox.new()
    answer = api.post(f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": ids})
    assert answer.status_code == 206, answer.text
    added = outbox.one(PARTICIPANTS, "group_participants_add", group["id"])
    assert sorted(p["wa_id"] for p in added["added_participants"]) == sorted(
        p["wa_id"] for p in participants_of(api, group["id"])
    )
    assert len(added["added_participants"]) == 8
    [left_out] = answer.json()["failed_join_requests"]
    refused = api.post(
        f"/{group['id']}/join_requests",
        json={**WHATSAPP, "join_requests": [left_out["join_request_id"]]},
    )
    assert_envelope(refused, 400, 131204)
    outbox.none()


def test_suspend_and_suspend_cleared(outbox: Outbox, biz: Business, api: httpx.Client) -> None:
    group = create_group(api, biz)
    outbox.new()
    assert sandbox_post(biz, f"groups/{group['id']}/suspend").status_code == 200
    outbox.one(STATUS, "group_suspend", group["id"])
    assert sandbox_post(biz, f"groups/{group['id']}/unsuspend").status_code == 200
    outbox.one(STATUS, "group_suspend_cleared", group["id"])
