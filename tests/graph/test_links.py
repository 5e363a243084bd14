"""WIRE.md rows 6-8 over real HTTP: show, reset and delete a group's invite link."""

from __future__ import annotations

import httpx

from tests.conftest import Server
from tests.graph.helpers import (
    WHATSAPP,
    assert_dead_code,
    assert_envelope,
    assert_invite_code,
    code_of,
    join,
    joined,
    reset_link,
    sandbox_post,
    wa_ids_of,
)
from tests.support import Business, create_group, make_business


def test_get_invite_link_answers_the_current_link_on_this_server(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    answer = api.get(f"/{group['id']}/invite_link")
    assert answer.status_code == 200
    # The default link base is this server's own public URL.
    assert answer.json() == {
        "messaging_product": "whatsapp",
        "invite_link": f"{server.base_url}/{group['code']}",
    }
    assert_invite_code(group["code"])
    # Reading the link does not change it.
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == group["invite_link"]


def test_reset_makes_a_new_code_and_kills_the_old_one_at_once(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    joined(biz, group["code"], "15550100001")

    answer = api.post(f"/{group['id']}/invite_link", json=WHATSAPP)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"messaging_product", "invite_link"}
    assert body["messaging_product"] == "whatsapp"
    new_code = code_of(body["invite_link"])
    assert body["invite_link"] == f"{server.base_url}/{new_code}"
    assert_invite_code(new_code)
    assert new_code != group["code"]

    assert_dead_code(biz, group["code"], "15550100002")
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == body["invite_link"]
    assert joined(biz, new_code, "15550100003")["status"] == "joined"
    # A reset ends the link, not the membership of people who used it.
    assert wa_ids_of(api, group["id"]) == ["15550100001", "15550100003"]


def test_a_dead_code_says_revoked_to_its_business_and_unknown_to_any_other(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    reset_link(api, group["id"])
    old = assert_envelope(join(biz, group["code"], "15550100001"), 400, 100)
    never = assert_envelope(join(biz, "A" * 22, "15550100001"), 400, 100)
    assert old["error_data"]["details"] == "revoked"
    assert never["error_data"]["details"] == "unknown"
    # Another business learns nothing from the code: it reads as one never issued.
    stranger = make_business(server.database_url, server.graph)
    theirs = assert_envelope(join(stranger, group["code"], "15550100001"), 400, 100)
    assert theirs == {**never, "fbtrace_id": theirs["fbtrace_id"]}


def test_several_resets_leave_only_the_newest_code_working(
    api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    codes = [group["code"]] + [code_of(reset_link(api, group["id"])) for _ in range(3)]
    assert len(set(codes)) == 4
    for n, old in enumerate(codes[:-1]):
        assert_dead_code(biz, old, f"155501000{n}1")
    assert joined(biz, codes[-1], "15550100099")["status"] == "joined"
    assert wa_ids_of(api, group["id"]) == ["15550100099"]


def test_reset_accepts_a_form_encoded_body(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    answer = api.post(f"/{group['id']}/invite_link", data=WHATSAPP)
    assert answer.status_code == 200, answer.text
    assert code_of(answer.json()["invite_link"]) != group["code"]
    assert_dead_code(biz, group["code"], "15550100001")


def test_delete_leaves_no_working_link_until_a_reset(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    second = code_of(reset_link(api, group["id"]))

    answer = api.request("DELETE", f"/{group['id']}/invite_link", json=WHATSAPP)
    assert answer.status_code == 200
    assert answer.json() == {"messaging_product": "whatsapp", "success": "true"}

    assert_envelope(api.get(f"/{group['id']}/invite_link"), 400, 100)
    for n, old in enumerate((group["code"], second)):
        assert_dead_code(biz, old, f"1555010000{n}")
    assert wa_ids_of(api, group["id"]) == []

    fresh = reset_link(api, group["id"])
    code = code_of(fresh)
    assert_invite_code(code)
    assert code not in (group["code"], second)
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == fresh
    assert joined(biz, code, "15550100009")["status"] == "joined"
    assert_dead_code(biz, second, "15550100008")


def test_reset_and_delete_require_messaging_product(api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    for method in ("POST", "DELETE"):
        for body in ({}, {"messaging_product": "sms"}):
            answer = api.request(method, f"/{group['id']}/invite_link", json=body)
            assert_envelope(answer, 400, 100)
    # Refused calls change nothing: the first link still works.
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == group["invite_link"]
    assert joined(biz, group["code"], "15550100001")["status"] == "joined"


def test_a_suspended_groups_link_admits_nobody_and_cannot_change(
    api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    assert sandbox_post(biz, f"groups/{group['id']}/suspend").status_code == 200
    answer = join(biz, group["code"], "15550100001")
    assert answer.status_code == 400
    assert_envelope(answer, 400)
    for method in ("POST", "DELETE"):
        changed = api.request(method, f"/{group['id']}/invite_link", json=WHATSAPP)
        assert_envelope(changed, 403, 131207)

    assert sandbox_post(biz, f"groups/{group['id']}/unsuspend").status_code == 200
    # Lifting the suspension brings back the same link: it was never reset.
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == group["invite_link"]
    assert joined(biz, group["code"], "15550100001")["status"] == "joined"
