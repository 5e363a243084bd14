"""WIRE.md rows 12-13 over real HTTP: removing participants, leaving, no adding by hand."""

from __future__ import annotations

from typing import Any

import httpx

from tests.graph.helpers import (
    WHATSAPP,
    assert_envelope,
    code_of,
    count_of,
    join,
    joined,
    leave,
    participants_of,
    phone,
    reset_link,
    wa_ids_of,
)
from tests.support import Business, create_group


def remove(api: httpx.Client, group_id: str, people: Any) -> httpx.Response:
    body = {**WHATSAPP, "participants": people}
    return api.request("DELETE", f"/{group_id}/participants", json=body)


def group_of(api: httpx.Client, biz: Business, size: int) -> dict[str, Any]:
    group = create_group(api, biz)
    for n in range(1, size + 1):
        joined(biz, group["code"], phone(n))
    return group


def test_remove_by_formatted_phone_and_by_bsuid(api: httpx.Client, biz: Business) -> None:
    group = group_of(api, biz, 3)
    by_wa_id = {p["wa_id"]: p["user_id"] for p in participants_of(api, group["id"])}

    answer = remove(api, group["id"], [{"user": "+1 555-010-0001"}])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"messaging_product", "request_id"}
    assert body["messaging_product"] == "whatsapp"
    assert isinstance(body["request_id"], str) and body["request_id"]
    assert wa_ids_of(api, group["id"]) == [phone(2), phone(3)]
    assert count_of(api, group["id"]) == 2

    answer = remove(api, group["id"], [{"user_id": by_wa_id[phone(3)]}])
    assert answer.status_code == 200, answer.text
    assert answer.json()["request_id"] != body["request_id"]
    [left] = participants_of(api, group["id"])
    assert (left["user_id"], left["wa_id"]) == (by_wa_id[phone(2)], phone(2))
    assert count_of(api, group["id"]) == 1


def test_remove_several_at_once(api: httpx.Client, biz: Business) -> None:
    group = group_of(api, biz, 4)
    user_id = {p["wa_id"]: p["user_id"] for p in participants_of(api, group["id"])}
    answer = remove(
        api, group["id"], [{"user": phone(1)}, {"user_id": user_id[phone(3)]}, {"user": phone(4)}]
    )
    assert answer.status_code == 200, answer.text
    assert wa_ids_of(api, group["id"]) == [phone(2)]
    assert count_of(api, group["id"]) == 1


def test_removed_person_cannot_come_back_by_any_link(api: httpx.Client, biz: Business) -> None:
    group = group_of(api, biz, 2)
    assert remove(api, group["id"], [{"user": phone(1)}]).status_code == 200

    assert_envelope(join(biz, group["code"], phone(1)), 400, 131203)
    assert_envelope(join(biz, group["code"], "+1 (555) 010-0001"), 400, 131203)
    new_code = code_of(reset_link(api, group["id"]))
    assert_envelope(join(biz, new_code, phone(1)), 400, 131203)
    assert wa_ids_of(api, group["id"]) == [phone(2)]
    # The ban is for that person only.
    assert joined(biz, new_code, phone(5))["status"] == "joined"


def test_removal_is_all_or_nothing(api: httpx.Client, biz: Business) -> None:
    group = group_of(api, biz, 2)
    outsider = create_group(api, biz)
    joined(biz, outsider["code"], phone(9))  # a known person, but of another group
    cases = [
        [{"user": phone(1)}, {"user": phone(9)}],
        [{"user": phone(2)}, {"user": "15559990000"}],
        [{"user": phone(1)}, {"user_id": "US.12345678901234567890"}],
    ]
    for people in cases:
        assert_envelope(remove(api, group["id"], people), 400, 131212)
    assert wa_ids_of(api, group["id"]) == [phone(1), phone(2)]
    assert count_of(api, group["id"]) == 2
    # Nobody was banned by the refused calls.
    assert leave(biz, group["id"], phone(1)).status_code == 200
    assert joined(biz, group["code"], phone(1))["status"] == "joined"


def test_remove_takes_one_to_eight_people(api: httpx.Client, biz: Business) -> None:
    group = group_of(api, biz, 8)
    nine = [{"user": phone(n)} for n in range(1, 10)]
    for people in ([], nine, None, {"user": phone(1)}, [phone(1)], [{}]):
        assert_envelope(remove(api, group["id"], people), 400, 100)
    no_product = api.request(
        "DELETE", f"/{group['id']}/participants", json={"participants": [{"user": phone(1)}]}
    )
    assert_envelope(no_product, 400, 100)
    assert count_of(api, group["id"]) == 8
    eight = remove(api, group["id"], nine[:8])
    assert eight.status_code == 200, eight.text
    assert count_of(api, group["id"]) == 0


def test_participants_cannot_be_added_by_hand(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    answer = api.post(
        f"/{group['id']}/participants", json={**WHATSAPP, "participants": [{"user": phone(1)}]}
    )
    error = assert_envelope(answer, 400, 100)
    assert "invite" in error["error_data"]["details"].lower()
    assert wa_ids_of(api, group["id"]) == []


def test_leaving_is_not_a_ban(api: httpx.Client, biz: Business) -> None:
    group = group_of(api, biz, 2)
    answer = leave(biz, group["id"], phone(1))
    assert answer.status_code == 200, answer.text
    assert wa_ids_of(api, group["id"]) == [phone(2)]
    assert count_of(api, group["id"]) == 1
    assert joined(biz, group["code"], phone(1))["status"] == "joined"
    assert sorted(wa_ids_of(api, group["id"])) == [phone(1), phone(2)]
    assert count_of(api, group["id"]) == 2
