"""The link page for links that refuse: expired, used up, paused, revoked, or meant for
other people. Each says which in plain words; a link that admits nobody shows nothing
of its group, and a refusal stores nothing of the person."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import joined, phone, wa_ids_of
from tests.graph.links_support import edit_link, in_seconds, new_link, revoke, traces_of, wait_until
from tests.support import Business, create_group

SUBJECT, DESCRIPTION = "Hidden garden", "Only for the invited"


def assert_reveals_nothing(html: str, group: dict[str, Any]) -> None:
    for secret in (SUBJECT, DESCRIPTION, group["id"], "/pictures/", "og:title"):
        assert secret not in html


@pytest.mark.parametrize(
    ("end", "status", "heading"),
    [
        ("expired", 410, "This invite link has expired"),
        ("used_up", 410, "This invite link has reached its limit"),
        ("revoked", 410, "This invite link was revoked"),
    ],
)
def test_a_link_that_ended_says_how_and_shows_nothing_of_the_group(
    api: httpx.Client, biz: Business, people: Any, end: str, status: int, heading: str
) -> None:
    group = create_group(api, biz, subject=SUBJECT, description=DESCRIPTION)
    expire = in_seconds(2)
    link = new_link(api, group["id"], **({"expire_time": expire} if end == "expired" else {}))
    if end == "expired":
        wait_until(expire)
    elif end == "used_up":
        edit_link(api, group["id"], link["id"], member_limit=1)
        joined(biz, link["code"], phone(1))
    else:
        revoke(api, group["id"], link["id"])
    visitor = people()
    for look in ("anonymous", "signed in"):
        if look == "signed in":
            visitor.sign_in()
        page = visitor.open(link["code"])
        assert page.status == status and page.headings == [heading]
        assert_reveals_nothing(page.html, group)
    assert httpx.get(f"{biz.root}/pictures/{link['code']}", timeout=30).status_code == 404


def test_a_paused_link_shows_the_group_and_until_when_but_no_way_in(
    api: httpx.Client, biz: Business, server: Server, people: Any
) -> None:
    group = create_group(api, biz, subject=SUBJECT, description=DESCRIPTION)
    link = new_link(api, group["id"])
    person = people()
    person.sign_in()
    before = person.open(link["code"]).form(f"/{link['code']}", action="join")
    until = in_seconds(3 * 86_400)
    edit_link(api, group["id"], link["id"], paused_until=until)
    page = person.open(link["code"])
    assert page.status == 200
    assert page.headings == [SUBJECT, "Joining is paused"]
    said = datetime.fromtimestamp(until, UTC).strftime(
        "%-d %b %Y, %H:%M UTC"
    )  # 4 Dec 2026, 20:15 UTC
    assert f"paused this invite link until {said}" in page.text
    assert "Join group" not in page.text and "Request to join" not in page.text
    # The form from before the pause, posted now, lets nobody in.
    assert person.submit(before).headings == [SUBJECT, "Joining is paused"]
    assert wa_ids_of(api, group["id"]) == []


def test_a_link_for_other_people_says_so_after_sign_in_and_stores_nothing(
    api: httpx.Client, biz: Business, server: Server, people: Any
) -> None:
    group = create_group(api, biz, subject=SUBJECT)
    invited = phone(1)
    link = new_link(api, group["id"], allowed_users=[{"user": invited}])
    anonymous = people().open(link["code"])
    assert "only for the people an admin chose" in anonymous.text
    assert "You join at once" not in anonymous.text
    stranger = people()
    stranger.sign_in()
    page = stranger.open(link["code"])
    assert page.status == 200
    assert page.headings == [SUBJECT, "This link is for someone else"]
    assert "Join group" not in page.text
    # A join posted anyway (with the form of the group's open link) lets nobody in.
    open_form = stranger.open(group["code"]).form(f"/{group['code']}", action="join")
    answer = stranger.follow(stranger.client.post(f"/{link['code']}", data=open_form.fields))
    assert answer.headings == [SUBJECT, "This link is for someone else"]
    assert traces_of(server.database_url, biz.business_id, stranger.wa_id)["participants"] == 0
    assert traces_of(server.database_url, biz.business_id, stranger.wa_id)["requests"] == 0

    guest = people(invited)
    guest.sign_in()
    welcome = guest.open(link["code"])
    assert "Join group" in welcome.text and "made this invite link for you" in welcome.text
    form = welcome.form(f"/{link['code']}", action="join")
    assert guest.submit(form).headings == [SUBJECT, "You're in"]
    assert wa_ids_of(api, group["id"]) == [invited]
