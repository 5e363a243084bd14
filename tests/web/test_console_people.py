"""The console's Requests and People screens over real HTTP, on both backends:
requests decided one, several or all (asking first for all), approving stopping at
the group's capacity, removal banning and unbanning letting people back."""

from __future__ import annotations

import httpx

from tests.conftest import Server
from tests.graph.helpers import approval_group, ask, joined, pending_of, phone, wa_ids_of
from tests.support import TIMEOUT_S, Business, create_group
from tests.web import test_console
from tests.web.test_console import Admin

admin, browsers = test_console.admin, test_console.browsers


def test_requests_are_decided_one_several_or_all(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz)
    ids = [ask(biz, group["code"], phone(10 + n)) for n in range(5)]
    base = f"/console/groups/{group['id']}/requests"

    page = admin.screen(group["id"], "requests")
    assert "5 waiting" in page.text
    one = admin.follow(admin.post(page.form(base), **{"ids": ids[0], "action": "reject"}))
    assert "Rejected 1 request." in one.text

    several = admin.client.post(
        base, data={"csrf": page.form(base).fields["csrf"], "ids": ids[1:3], "action": "approve"}
    )
    assert "Approved 2 requests." in admin.follow(several).text
    single = admin.client.post(
        f"{base}/{ids[3]}/reject", data={"csrf": page.form(base).fields["csrf"]}
    )
    assert "Rejected 1 request." in admin.follow(single).text

    nothing = admin.follow(admin.post(page.form(base), action="approve"))
    assert "Tick the requests first" in nothing.text
    stale = admin.follow(admin.post(page.form(base), ids=ids[0], action="approve"))
    assert "already settled or withdrawn" in stale.text

    everyone = admin.say_yes(
        admin.follow(admin.post(page.form(base, scope="all"), action="approve"))
    )
    assert "Approved 1 request." in everyone.text and "No pending requests" in everyone.text
    assert pending_of(api, group["id"]) == []
    assert sorted(wa_ids_of(api, group["id"])) == sorted([phone(11), phone(12), phone(14)])


def test_approving_all_stops_at_the_groups_capacity(
    admin: Admin, api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz)
    for n in range(10):  # the test server allows 8 participants
        ask(biz, group["code"], phone(30 + n))
    page = admin.screen(group["id"], "requests")
    assert "room for 8 more participants" in page.text
    base = f"/console/groups/{group['id']}/requests"
    asked = admin.follow(admin.post(page.form(base, scope="all"), action="approve"))
    assert "There is room for 8 more, so 2 will keep waiting." in asked.text
    after = admin.say_yes(asked)
    assert "Approved 8; the group is full, so 2 requests could not be approved." in after.text
    assert len(wa_ids_of(api, group["id"])) == 8
    assert len(pending_of(api, group["id"])) == 2


def test_rejecting_everyone_asks_first_and_cancel_keeps_them(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz)
    for n in range(3):
        ask(biz, group["code"], phone(50 + n))
    base = f"/console/groups/{group['id']}/requests"
    page = admin.screen(group["id"], "requests")
    asked = admin.follow(admin.post(page.form(base, scope="all"), action="reject"))
    assert asked.headings[-1] == "Reject all 3 requests?"
    assert "They won't join." in asked.text
    assert len(pending_of(api, group["id"])) == 3  # asked, not done
    assert "3 waiting" in admin.get(asked.link("Cancel")).text
    assert "Rejected 3 requests." in admin.say_yes(asked).text
    assert pending_of(api, group["id"]) == []


def test_removing_bans_and_unbanning_lets_them_back(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    person = phone(40)
    group = create_group(api, biz)
    joined(biz, group["code"], person)
    base = f"/console/groups/{group['id']}/members"
    asked = admin.press(admin.screen(group["id"], "members"), base, "remove", wa_id=person)
    assert asked.headings[-1] == "Remove +1 555-010-0040 from the group?"
    assert wa_ids_of(api, group["id"]) == [person]  # nothing happens before the answer
    assert asked.link("Cancel") == base
    removed = admin.say_yes(asked)
    assert "Removed." in removed.text
    assert wa_ids_of(api, group["id"]) == []
    assert "+1 555-010-0040" in removed.text  # now on the ban list
    again = httpx.post(
        f"{biz.root}/sandbox/invites/{group['code']}/join",
        json={"wa_id": person},
        headers=biz.auth,
        timeout=TIMEOUT_S,
    )
    assert again.status_code == 400 and again.json()["error"]["code"] == 131203

    unbanned = admin.press(removed, base, "unban", wa_id=person)
    assert "Unbanned." in unbanned.text and "Nobody was removed." in unbanned.text
    assert joined(biz, group["code"], person)["status"] == "joined"
