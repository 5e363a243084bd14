"""WIRE.md rows 1-5 over real HTTP."""

from __future__ import annotations

import httpx

from tests.support import TIMEOUT_S, Business, create_group, join

ALL_FIELDS = (
    "subject,description,participants,join_approval_mode,suspended,"
    "creation_timestamp,total_participant_count"
)


def test_create_group_answers_request_id_and_id_and_has_a_working_link(
    api: httpx.Client, biz: Business
) -> None:
    answer = api.post(
        f"/{biz.phone_number_id}/groups",
        json={
            "messaging_product": "whatsapp",
            "subject": "  Book club  ",
            "description": "Monthly",
        },
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["request_id"] and body["id"]
    info = api.get(f"/{body['id']}", params={"fields": ALL_FIELDS}).json()
    assert info["subject"] == "Book club"
    assert info["description"] == "Monthly"
    assert info["join_approval_mode"] == "auto_approve"
    assert info["participants"] == []
    assert info["total_participant_count"] == 0
    assert info["suspended"] is False
    assert isinstance(info["creation_timestamp"], int)
    link = api.get(f"/{body['id']}/invite_link").json()["invite_link"]
    code = link.rsplit("/", 1)[1]
    assert len(code) == 22 and code.isalnum()
    assert join(biz, code, "15550001111").json()["status"] == "joined"


def test_create_accepts_form_encoded_and_multipart(api: httpx.Client, biz: Business) -> None:
    form = api.post(
        f"/{biz.phone_number_id}/groups", data={"messaging_product": "whatsapp", "subject": "Form"}
    )
    assert form.status_code == 200, form.text
    multipart = api.post(
        f"/{biz.phone_number_id}/groups",
        files={"messaging_product": (None, "whatsapp"), "subject": (None, "Multi")},
    )
    assert multipart.status_code == 200, multipart.text
    subjects = {
        g["subject"] for g in api.get(f"/{biz.phone_number_id}/groups").json()["data"]["groups"]
    }
    assert {"Form", "Multi"} <= subjects


def test_create_refuses_bad_bodies_with_code_100(api: httpx.Client, biz: Business) -> None:
    url = f"/{biz.phone_number_id}/groups"
    cases = [
        {"subject": "no product"},
        {"messaging_product": "sms", "subject": "x"},
        {"messaging_product": "whatsapp"},
        {"messaging_product": "whatsapp", "subject": "   "},
        {"messaging_product": "whatsapp", "subject": "x" * 129},
        {"messaging_product": "whatsapp", "subject": "x", "description": "d" * 2049},
        {"messaging_product": "whatsapp", "subject": "x", "join_approval_mode": "sometimes"},
    ]
    for body in cases:
        answer = api.post(url, json=body)
        assert answer.status_code == 400, body
        error = answer.json()["error"]
        assert error["code"] == 100 and error["type"] == "OAuthException"
        assert error["error_data"]["details"] and error["fbtrace_id"]
    assert api.get(url).json()["data"]["groups"] == []


def test_group_info_returns_only_the_asked_fields(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    assert api.get(f"/{group['id']}").json() == {"messaging_product": "whatsapp", "id": group["id"]}
    assert api.get(f"/{group['id']}", params={"fields": "subject"}).json() == {
        "messaging_product": "whatsapp",
        "id": group["id"],
        "subject": "Test group",
    }
    unknown = api.get(f"/{group['id']}", params={"fields": "subject,colour"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == 100


def test_participants_show_user_id_and_wa_id(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    join(biz, group["code"], "+44 7700 900123")
    info = api.get(
        f"/{group['id']}", params={"fields": "participants,total_participant_count"}
    ).json()
    assert info["total_participant_count"] == 1
    [person] = info["participants"]
    assert person["wa_id"] == "447700900123"
    assert person["user_id"].startswith("GB.") and person["user_id"][3:].isdigit()


def test_update_subject_and_description(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    answer = api.post(
        f"/{group['id']}",
        json={"messaging_product": "whatsapp", "subject": "New", "description": "About"},
    )
    assert answer.status_code == 200 and answer.json()["request_id"]
    info = api.get(f"/{group['id']}", params={"fields": "subject,description"}).json()
    assert (info["subject"], info["description"]) == ("New", "About")
    nothing = api.post(f"/{group['id']}", json={"messaging_product": "whatsapp"})
    assert nothing.status_code == 400 and nothing.json()["error"]["code"] == 100


def test_delete_group_removes_it_and_kills_its_link(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    join(biz, group["code"], "15550002222")
    answer = api.delete(f"/{group['id']}")
    assert answer.status_code == 200
    assert answer.json()["success"] is True and answer.json()["request_id"]
    gone = api.get(f"/{group['id']}", params={"fields": "subject"})
    assert gone.status_code == 400 and gone.json()["error"]["code"] == 131041
    again = api.delete(f"/{group['id']}")
    assert again.json()["error"]["code"] == 131041
    assert join(biz, group["code"], "15550003333").status_code == 400


def test_group_limit_per_phone_number_is_131211(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import start_server, stop_server
    from tests.support import make_business

    proc, small = start_server(server.database_url, tmp_path, workers=1, max_groups_per_number="2")
    try:
        biz = make_business(small.database_url, small.graph)
        with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=TIMEOUT_S) as api:
            url = f"/{biz.phone_number_id}/groups"
            for n in range(2):
                assert (
                    api.post(
                        url, json={"messaging_product": "whatsapp", "subject": f"g{n}"}
                    ).status_code
                    == 200
                )
            over = api.post(url, json={"messaging_product": "whatsapp", "subject": "g3"})
            assert over.status_code == 400 and over.json()["error"]["code"] == 131211
    finally:
        stop_server(proc)
