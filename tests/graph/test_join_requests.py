"""WIRE.md rows 9-11 over real HTTP: pending join requests, approve, reject, withdraw."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.graph.helpers import (
    WHATSAPP,
    approval_group,
    ask,
    assert_envelope,
    assert_err_object,
    cancel,
    count_of,
    http,
    participants_of,
    pending_of,
    phone,
    wa_ids_of,
)
from tests.support import Business, create_group


def decide(api: httpx.Client, method: str, group_id: str, ids: Any) -> httpx.Response:
    body = {**WHATSAPP, "join_requests": ids}
    return api.request(method, f"/{group_id}/join_requests", json=body)


def test_asking_to_join_makes_one_pending_request(api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz)
    first = ask(biz, group["code"], phone(1))
    assert isinstance(first, str) and first
    assert ask(biz, group["code"], phone(1)) == first  # asking twice is the same request
    assert wa_ids_of(api, group["id"]) == []

    answer = api.get(f"/{group['id']}/join_requests")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"data", "paging"}
    assert "cursors" in body["paging"]
    [item] = body["data"]
    # Meta's keys, and grouplink's own: the link the request came through.
    assert set(item) == {
        "join_request_id",
        "user_id",
        "wa_id",
        "creation_timestamp",
        "invite_link_id",
    }
    primary = api.get(f"/{group['id']}/invite_links").json()["data"][0]
    assert item["invite_link_id"] == primary["id"]
    assert item["join_request_id"] == first
    assert item["wa_id"] == phone(1)
    assert item["user_id"].startswith("US.") and item["user_id"][3:].isdigit()
    assert type(item["creation_timestamp"]) is int
    assert abs(item["creation_timestamp"] - time.time()) < 300


def test_approve_makes_the_person_a_participant(api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz)
    request_id = ask(biz, group["code"], phone(1))
    [pending] = pending_of(api, group["id"])

    answer = decide(api, "POST", group["id"], [request_id])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"messaging_product", "request_id", "approved_join_requests"}
    assert body["messaging_product"] == "whatsapp"
    assert isinstance(body["request_id"], str) and body["request_id"]
    assert body["approved_join_requests"] == [request_id]

    assert participants_of(api, group["id"]) == [
        {
            "user_id": pending["user_id"],
            "wa_id": phone(1),
            "invite_link_id": pending["invite_link_id"],
        }
    ]
    assert count_of(api, group["id"]) == 1
    assert pending_of(api, group["id"]) == []


def test_reject_leaves_the_person_out_and_unlisted(api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz)
    rejected = ask(biz, group["code"], phone(1))
    kept = ask(biz, group["code"], phone(2))

    answer = decide(api, "DELETE", group["id"], [rejected])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"messaging_product", "request_id", "rejected_join_requests"}
    assert body["messaging_product"] == "whatsapp" and body["request_id"]
    assert body["rejected_join_requests"] == [rejected]

    assert wa_ids_of(api, group["id"]) == []
    assert [r["join_request_id"] for r in pending_of(api, group["id"])] == [kept]


def test_partial_approval_answers_206_with_failures(api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz)
    good = ask(biz, group["code"], phone(1))
    unknown = "NoSuchJoinRequest000"

    answer = decide(api, "POST", group["id"], [good, unknown])
    assert answer.status_code == 206, answer.text
    body = answer.json()
    assert body["messaging_product"] == "whatsapp" and body["request_id"]
    assert body["approved_join_requests"] == [good]
    [failed] = body["failed_join_requests"]
    assert failed["join_request_id"] == unknown
    [err] = failed["errors"]
    assert_err_object(err, 131213)
    assert [e["code"] for e in body["errors"]] == [131201]
    assert_err_object(body["errors"][0], 131201)

    assert wa_ids_of(api, group["id"]) == [phone(1)]
    # An approved request is settled; when nothing at all succeeds the answer is
    # not a partial success but a plain error.
    assert_envelope(decide(api, "POST", group["id"], [good]), 400, 131213)
    assert_envelope(decide(api, "DELETE", group["id"], [good]), 400, 131213)
    assert wa_ids_of(api, group["id"]) == [phone(1)]


def test_partial_reject_answers_206_with_failures(api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz)
    good = ask(biz, group["code"], phone(1))
    answer = decide(api, "DELETE", group["id"], ["NoSuchJoinRequest000", good])
    assert answer.status_code == 206, answer.text
    body = answer.json()
    assert body["rejected_join_requests"] == [good]
    assert [f["join_request_id"] for f in body["failed_join_requests"]] == ["NoSuchJoinRequest000"]
    assert body["failed_join_requests"][0]["errors"][0]["code"] == 131213
    assert body["errors"][0]["code"] == 131201
    assert pending_of(api, group["id"]) == []


def test_approving_beyond_capacity_fails_the_rest_with_131204(
    api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz)
    ids = [ask(biz, group["code"], phone(n)) for n in range(9)]

    answer = decide(api, "POST", group["id"], ids)
    assert answer.status_code == 206, answer.text
    body = answer.json()
    approved = body["approved_join_requests"]
    [failed] = body["failed_join_requests"]
    assert len(approved) == 8
    assert sorted([*approved, failed["join_request_id"]]) == sorted(ids)
    assert_err_object(failed["errors"][0], 131204)
    assert body["errors"][0]["code"] == 131201

    assert count_of(api, group["id"]) == 8
    # The request that did not fit was not decided: it still waits, and still does not fit.
    assert [r["join_request_id"] for r in pending_of(api, group["id"])] == [
        failed["join_request_id"]
    ]
    assert_envelope(decide(api, "POST", group["id"], [failed["join_request_id"]]), 400, 131204)
    assert count_of(api, group["id"]) == 8


def test_join_requests_must_be_a_non_empty_list(api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz)
    request_id = ask(biz, group["code"], phone(1))
    for method in ("POST", "DELETE"):
        for ids in ([], request_id, {"id": request_id}, None, 7):
            assert_envelope(decide(api, method, group["id"], ids), 400, 100)
        missing = api.request(method, f"/{group['id']}/join_requests", json=WHATSAPP)
        assert_envelope(missing, 400, 100)
        no_product = api.request(
            method, f"/{group['id']}/join_requests", json={"join_requests": [request_id]}
        )
        assert_envelope(no_product, 400, 100)
    assert [r["join_request_id"] for r in pending_of(api, group["id"])] == [request_id]


def test_withdrawing_a_request_removes_it_from_the_list(api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz)
    withdrawn = ask(biz, group["code"], phone(1))
    kept = ask(biz, group["code"], phone(2))

    answer = cancel(biz, group["code"], phone(1))
    assert answer.status_code == 200, answer.text
    assert [r["join_request_id"] for r in pending_of(api, group["id"])] == [kept]

    # Nothing pending any more, and someone who never asked: 131213.
    assert_envelope(cancel(biz, group["code"], phone(1)), 400, 131213)
    assert_envelope(cancel(biz, group["code"], phone(3)), 400, 131213)
    # A withdrawn request cannot be approved.
    assert_envelope(decide(api, "POST", group["id"], [withdrawn]), 400, 131213)
    assert wa_ids_of(api, group["id"]) == []


def test_join_requests_page_with_limit_and_cursors(api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz)
    asked = [ask(biz, group["code"], phone(n)) for n in range(5)]
    newest_first = list(reversed(asked))

    pages: list[list[str]] = []
    answer = api.get(f"/{group['id']}/join_requests", params={"limit": 2})
    while True:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append([r["join_request_id"] for r in body["data"]])
        if "next" not in body["paging"]:
            break
        assert body["paging"]["cursors"]["after"]
        answer = http().get(body["paging"]["next"], headers=biz.auth)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == newest_first

    # The same walk with the raw "after" cursor, then back with "before".
    first = api.get(f"/{group['id']}/join_requests", params={"limit": 2}).json()
    assert "previous" not in first["paging"]
    after = first["paging"]["cursors"]["after"]
    second = api.get(f"/{group['id']}/join_requests", params={"limit": 2, "after": after}).json()
    assert [r["join_request_id"] for r in second["data"]] == newest_first[2:4]
    before = second["paging"]["cursors"]["before"]
    back = api.get(f"/{group['id']}/join_requests", params={"limit": 2, "before": before}).json()
    assert [r["join_request_id"] for r in back["data"]] == newest_first[:2]


def test_a_cursor_works_only_on_its_own_group(api: httpx.Client, biz: Business) -> None:
    group, other = approval_group(api, biz), approval_group(api, biz)
    for n in range(3):
        ask(biz, group["code"], phone(n))
        ask(biz, other["code"], phone(n))
    cursors = api.get(f"/{group['id']}/join_requests", params={"limit": 1}).json()["paging"][
        "cursors"
    ]
    for name in ("after", "before"):
        answer = api.get(f"/{other['id']}/join_requests", params={"limit": 1, name: cursors[name]})
        assert_envelope(answer, 400, 131059)
    for forged in ("garbage", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", cursors["after"][:-2]):
        answer = api.get(f"/{group['id']}/join_requests", params={"after": forged})
        assert_envelope(answer, 400, 131059)


def test_auto_approve_group_has_no_requests(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    answer = api.get(f"/{group['id']}/join_requests")
    assert answer.status_code == 200
    assert answer.json()["data"] == []
