"""WIRE.md row 2 over real HTTP: paging a phone number's groups with signed cursors."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from tests.conftest import Server
from tests.graph.helpers import WHATSAPP, approval_group, ask, assert_envelope, http, phone
from tests.support import Business, make_business


def make_groups(api: httpx.Client, biz: Business, n: int) -> list[str]:
    ids = []
    for i in range(n):
        answer = api.post(f"/{biz.phone_number_id}/groups", json={**WHATSAPP, "subject": f"G{i}"})
        assert answer.status_code == 200, answer.text
        ids.append(answer.json()["id"])
    return ids


def fetch(url: str, biz: Business) -> dict[str, Any]:
    answer = http().get(url, headers=biz.auth)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def ids_of(page: dict[str, Any]) -> list[str]:
    return [g["id"] for g in page["data"]["groups"]]


def test_walk_forward_with_next_and_back_with_previous(biz: Business, api: httpx.Client) -> None:
    made = make_groups(api, biz, 7)
    newest_first = list(reversed(made))
    listing = f"{biz.graph}/{biz.phone_number_id}/groups"

    page = fetch(f"{listing}?limit=3", biz)
    assert set(page) == {"data", "paging"}
    assert set(page["data"]) == {"groups"}
    first = page["data"]["groups"][0]
    assert set(first) == {"id", "subject", "created_at"}
    assert first["subject"] == "G6" and first["created_at"].isdigit()
    assert "previous" not in page["paging"]

    forward = [page]
    while "next" in page["paging"]:
        next_url = page["paging"]["next"]
        # Absolute, on this server, usable as it is.
        assert next_url.startswith(listing + "?"), next_url
        assert "limit=3" in next_url
        page = fetch(next_url, biz)
        forward.append(page)
    assert [ids_of(p) for p in forward] == [newest_first[:3], newest_first[3:6], newest_first[6:]]
    for p in forward:
        assert p["paging"]["cursors"]["before"] and p["paging"]["cursors"]["after"]

    backward = [page]
    while "previous" in page["paging"]:
        previous_url = page["paging"]["previous"]
        assert previous_url.startswith(listing + "?"), previous_url
        page = fetch(previous_url, biz)
        backward.append(page)
    assert [ids_of(p) for p in backward] == [ids_of(p) for p in reversed(forward)]


def test_next_url_keeps_working_after_new_groups(biz: Business, api: httpx.Client) -> None:
    made = make_groups(api, biz, 4)
    page = fetch(f"{biz.graph}/{biz.phone_number_id}/groups?limit=2", biz)
    make_groups(api, biz, 2)  # newer groups do not shift the next page
    assert ids_of(fetch(page["paging"]["next"], biz)) == [made[1], made[0]]


def test_forged_and_garbled_cursors_are_131059(biz: Business, api: httpx.Client) -> None:
    make_groups(api, biz, 3)
    url = f"/{biz.phone_number_id}/groups"
    real = api.get(url, params={"limit": 1}).json()["paging"]["cursors"]["after"]
    raw = base64.urlsafe_b64decode(real + "=" * (-len(real) % 4))
    # The same signature with another position, and a flipped signature byte.
    moved = base64.urlsafe_b64encode(raw[:16] + b"1").decode().rstrip("=")
    flipped = base64.urlsafe_b64encode(bytes([raw[0] ^ 1]) + raw[1:]).decode().rstrip("=")
    for cursor in ("garbage", "!!!", "", "A" * 40, real[:-3], moved, flipped, real + "x"):
        for name in ("after", "before"):
            answer = api.get(url, params={"limit": 1, name: cursor})
            if cursor == "" and answer.status_code == 200:
                continue  # an empty cursor may read as no cursor
            assert_envelope(answer, 400, 131059)


def test_cursors_never_cross_listings(server: Server, biz: Business, api: httpx.Client) -> None:
    make_groups(api, biz, 3)
    cursors = api.get(f"/{biz.phone_number_id}/groups", params={"limit": 1}).json()["paging"][
        "cursors"
    ]
    other = make_business(server.database_url, server.graph)
    with httpx.Client(base_url=other.graph, headers=other.auth, timeout=30) as other_api:
        make_groups(other_api, other, 3)
        for name in ("after", "before"):
            # A's cursor on B's own phone number: the signature is bound to A's listing.
            replayed = other_api.get(
                f"/{other.phone_number_id}/groups", params={"limit": 1, name: cursors[name]}
            )
            assert_envelope(replayed, 400, 131059)
            # A's cursor on A's phone number, with B's token: B cannot see that number at all.
            stolen = other_api.get(
                f"/{biz.phone_number_id}/groups", params={"limit": 1, name: cursors[name]}
            )
            unknown = other_api.get("/100000000000001/groups", params={"limit": 1})
            assert_envelope(stolen, unknown.status_code, unknown.json()["error"]["code"])


def test_a_join_request_cursor_is_not_a_groups_cursor(biz: Business, api: httpx.Client) -> None:
    group = approval_group(api, biz)
    for n in range(2):
        ask(biz, group["code"], phone(n))
    after = api.get(f"/{group['id']}/join_requests", params={"limit": 1}).json()["paging"][
        "cursors"
    ]["after"]
    answer = api.get(f"/{biz.phone_number_id}/groups", params={"after": after})
    assert_envelope(answer, 400, 131059)


def test_an_empty_page_names_no_cursor(biz: Business, api: httpx.Client) -> None:
    # Meta's cursors are strings: with nothing listed there is none to give, never a null.
    page = api.get(f"/{biz.phone_number_id}/groups").json()
    assert page == {"data": {"groups": []}, "paging": {"cursors": {}}}
