"""Who can manage the invite link, through the Graph API and its sandbox helpers.

The setting is grouplink's own extension of the group (``link_managers``:
``admins`` or ``all``); participants act on the link through the sandbox, and
their role and the setting decide, re-read under the group's lock.
"""

from __future__ import annotations

import httpx

from tests.conftest import Server
from tests.graph.helpers import (
    WHATSAPP,
    assert_envelope,
    assert_invite_code,
    code_of,
    group_fields,
    http,
    joined,
    phone,
)
from tests.support import Business, create_group, make_business


def as_person(biz: Business, method: str, group_id: str, wa_id: str) -> httpx.Response:
    url = f"{biz.root}/sandbox/groups/{group_id}/invite_link"
    if method == "GET":
        return http().get(url, params={"wa_id": wa_id}, headers=biz.auth)
    return http().request(method, url, json={"wa_id": wa_id}, headers=biz.auth)


def set_admin(biz: Business, group_id: str, wa_id: str, admin: bool) -> None:
    url = f"{biz.root}/sandbox/groups/{group_id}/admins"
    answer = http().request(
        "POST" if admin else "DELETE", url, json={"wa_id": wa_id}, headers=biz.auth
    )
    assert answer.status_code == 200, answer.text


def group_with_member(api: httpx.Client, biz: Business, wa_id: str) -> dict[str, object]:
    group = create_group(api, biz)
    joined(biz, str(group["code"]), wa_id)
    return group


def test_only_admins_by_default_and_the_setting_reads_back(
    api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    assert group_fields(api, group["id"], "link_managers")["link_managers"] == "admins"
    answer = api.post(f"/{group['id']}", json={**WHATSAPP, "link_managers": "all"})
    assert answer.status_code == 200, answer.text
    assert group_fields(api, group["id"], "link_managers")["link_managers"] == "all"
    bad = api.post(f"/{group['id']}", json={**WHATSAPP, "link_managers": "everyone"})
    assert "link_managers" in assert_envelope(bad, 400, 100)["error_data"]["details"]


def test_a_member_is_refused_the_link_until_all_participants_may(
    api: httpx.Client, biz: Business
) -> None:
    member = phone(1)
    group = group_with_member(api, biz, member)
    for method in ("GET", "POST", "DELETE"):
        refused = assert_envelope(as_person(biz, method, group["id"], member), 403, 10)
        assert "Only admins" in refused["error_data"]["details"]
    # The refused reset and delete changed nothing: the old link still works.
    assert joined(biz, str(group["code"]), phone(2))["status"] == "joined"

    api.post(f"/{group['id']}", json={**WHATSAPP, "link_managers": "all"})
    seen = as_person(biz, "GET", group["id"], member)
    assert seen.status_code == 200, seen.text
    assert code_of(seen.json()["invite_link"]) == group["code"]
    reset = as_person(biz, "POST", group["id"], member)
    assert reset.status_code == 200, reset.text
    new_code = code_of(reset.json()["invite_link"])
    assert_invite_code(new_code)
    assert new_code != group["code"]
    # The member's reset killed the old link, as the business's would.
    assert_envelope(joined_answer(biz, str(group["code"]), phone(3)), 400, 100)
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"].endswith(new_code)


def joined_answer(biz: Business, code: str, wa_id: str) -> httpx.Response:
    return http().post(
        f"{biz.root}/sandbox/invites/{code}/join", json={"wa_id": wa_id}, headers=biz.auth
    )


def test_admins_manage_the_link_and_lose_it_when_dismissed(
    api: httpx.Client, biz: Business
) -> None:
    person = phone(11)
    group = group_with_member(api, biz, person)
    set_admin(biz, group["id"], person, True)
    assert as_person(biz, "GET", group["id"], person).status_code == 200
    deleted = as_person(biz, "DELETE", group["id"], person)
    assert deleted.status_code == 200, deleted.text
    assert_envelope(joined_answer(biz, str(group["code"]), phone(12)), 400, 100)

    set_admin(biz, group["id"], person, False)
    assert_envelope(as_person(biz, "POST", group["id"], person), 403, 10)


def test_people_outside_the_group_and_other_businesses_get_nothing(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = create_group(api, biz)
    api.post(f"/{group['id']}", json={**WHATSAPP, "link_managers": "all"})
    outsider = assert_envelope(as_person(biz, "GET", group["id"], phone(21)), 403, 10)
    assert "participants" in outsider["error_data"]["details"]
    # Making a non-participant admin fails as the API fails for non-participants.
    answer = http().post(
        f"{biz.root}/sandbox/groups/{group['id']}/admins",
        json={"wa_id": phone(21)},
        headers=biz.auth,
    )
    assert_envelope(answer, 400, 131212)
    # Another business's token does not reach this group at all.
    other = make_business(server.database_url, server.graph)
    answer = http().get(
        f"{other.root}/sandbox/groups/{group['id']}/invite_link",
        params={"wa_id": phone(21)},
        headers=other.auth,
    )
    assert_envelope(answer, 400, 131041)
