"""The link page over real HTTP, on both backends: every state a person can meet.

A person signs in through the forms (the sandbox shows the code), then joins,
asks, withdraws; the business acts through the Graph API. The page must say
where the person stands, and a dead link must say nothing about its group.
"""

from __future__ import annotations

from typing import Any

import httpx

from grouplink.domain.picture import THUMBNAIL_SIDE
from tests.conftest import Server
from tests.graph.helpers import (
    WHATSAPP,
    approval_group,
    code_of,
    joined,
    pending_of,
    phone,
    reset_link,
    wa_ids_of,
)
from tests.images import assert_clean_jpeg, photo
from tests.support import Business, create_group
from tests.web.pages import Page, Person, without_csrf

DESCRIPTION = "We read one novel a month.\nNew members welcome!"


def signed_in(people: Any, code: str) -> tuple[Person, Page]:
    person = people()
    page = person.sign_in(f"/{code}")
    assert page.status == 200, page.text
    assert page.response.url.path == f"/{code}"
    return person, page


def assert_page_headers(page: Page) -> None:
    csp = page.response.headers["content-security-policy"]
    for rule in ("default-src 'none'", "script-src 'self'", "style-src 'self'"):
        assert rule in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert page.response.headers["content-type"].startswith("text/html")
    assert page.response.headers["x-content-type-options"] == "nosniff"
    assert page.response.headers["referrer-policy"] == "no-referrer"
    assert page.response.headers["cache-control"] == "no-store"
    assert "<script" not in page.html and "style=" not in page.html and "<style" not in page.html


# --- a working link -----------------------------------------------------------------------


def test_a_working_link_shows_the_group_and_unfurls(
    api: httpx.Client, biz: Business, server: Server, people: Any
) -> None:
    group = create_group(api, biz, subject="Book club", description=DESCRIPTION)
    joined(biz, group["code"], phone(1))
    page = people().open(group["code"])

    assert page.status == 200 and page.state == "join"
    assert_page_headers(page)
    assert page.headings == ["Book club"]
    assert "1 participant" in page.text and "New members welcome!" in page.text
    # Signed out, "Join group" leads to sign-in and back.
    assert page.link("Join group") == f"/signin?next=/{group['code']}&intent=join"
    og = page.og
    assert og["og:title"] == og["twitter:title"] == "Book club"
    assert og["og:description"] == "We read one novel a month. New members welcome!"
    assert og["og:url"] == group["invite_link"]
    assert og["twitter:card"] == "summary"
    assert og["og:image"] == og["twitter:image"]
    assert og["og:image"].startswith(f"{server.base_url}/pictures/{group['code']}")
    # No picture yet: a drawn default, a real PNG.
    image = httpx.get(og["og:image"], timeout=30)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n") and len(image.content) > 500
    # Unfurlers may look before they fetch.
    for url in (group["invite_link"], og["og:image"]):
        head = httpx.head(url, timeout=30)
        assert head.status_code == 200 and head.content == b"", url


def test_the_group_picture_is_served_by_code(api: httpx.Client, biz: Business, people: Any) -> None:
    group = create_group(api, biz, subject="Photographers")
    picture = photo(800)
    answer = api.post(
        f"/{group['id']}",
        data=WHATSAPP,
        files={"profile_picture_file": ("p.jpg", picture, "image/jpeg")},
    )
    assert answer.status_code == 200, answer.text
    page = people().open(group["code"])
    image_url = page.og["og:image"]
    assert "?v=" in image_url and not image_url.endswith("v=none")
    served = httpx.get(image_url, timeout=30)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert_clean_jpeg(served.content, THUMBNAIL_SIDE)  # the thumbnail, never the upload
    assert f'src="/pictures/{group["code"]}?v=' in page.html  # the page shows it too


def test_join_then_youre_in_then_already_a_member(
    api: httpx.Client, biz: Business, people: Any
) -> None:
    group = create_group(api, biz, subject="Runners")
    person, page = signed_in(people, group["code"])
    assert page.state == "join" and "Signed in as" in page.text
    form = page.form(f"/{group['code']}", action="join")
    assert form.buttons == ["Join group"]

    after = person.submit(form)
    assert after.response.url.path == f"/{group['code']}"
    assert after.state == "joined" and "You're in" in after.headings
    assert "You joined Runners" in after.text
    assert wa_ids_of(api, group["id"]) == [person.wa_id]

    again = person.open(group["code"])
    assert again.state == "member" and "You're in" in again.headings
    assert "already a member" in again.text
    assert not again.has_form(f"/{group['code']}", action="join")
    # A stale form posted twice does not add the person twice.
    person.submit(form)
    assert wa_ids_of(api, group["id"]) == [person.wa_id]


def test_request_then_request_sent_then_withdraw(
    api: httpx.Client, biz: Business, people: Any
) -> None:
    group = approval_group(api, biz, subject="Quiet readers")
    person, page = signed_in(people, group["code"])
    assert page.state == "ask" and "An admin approves new participants" in page.text
    form = page.form(f"/{group['code']}", action="join")
    assert form.buttons == ["Request to join"]

    sent = person.submit(form)
    assert sent.state == "requested" and sent.headings[-1] == "Request sent"
    assert [r["wa_id"] for r in pending_of(api, group["id"])] == [person.wa_id]
    withdraw = sent.form(f"/{group['code']}", action="withdraw")
    assert withdraw.buttons == ["Withdraw request"]

    back = person.submit(withdraw)
    assert back.state == "ask" and "You withdrew your request." in back.text
    assert pending_of(api, group["id"]) == []
    assert back.has_form(f"/{group['code']}", action="join")


def test_approved_by_the_business_then_youre_in(
    api: httpx.Client, biz: Business, people: Any
) -> None:
    group = approval_group(api, biz, subject="Approved club")
    person, _page = signed_in(people, group["code"])
    person.act(group["code"], "join")
    request_id = pending_of(api, group["id"])[0]["join_request_id"]
    answer = api.post(
        f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": [request_id]}
    )
    assert answer.status_code == 200, answer.text

    page = person.open(group["code"])
    assert page.state == "member" and "You're in" in page.headings


def test_removed_people_see_they_cannot_join(api: httpx.Client, biz: Business, people: Any) -> None:
    group = create_group(api, biz, subject="Strict club")
    person, _page = signed_in(people, group["code"])
    person.act(group["code"], "join")
    form = person.open(group["code"])
    answer = api.request(
        "DELETE",
        f"/{group['id']}/participants",
        json={**WHATSAPP, "participants": [{"user": person.wa_id}]},
    )
    assert answer.status_code == 200, answer.text

    page = person.open(group["code"])
    assert page.state == "banned" and "You can't join this group" in page.headings
    assert "removed you" in page.text
    assert not page.has_form(f"/{group['code']}", action="join")
    del form
    # Posting the form anyway changes nothing.
    forged = person.client.post(
        f"/{group['code']}", data={"csrf": _csrf_of(page), "action": "join"}
    )
    assert forged.status_code == 303
    assert wa_ids_of(api, group["id"]) == []


def _csrf_of(page: Page) -> str:
    return page.forms[0].fields["csrf"]  # the sign-out form carries one too


def test_a_full_group_says_so(api: httpx.Client, biz: Business, people: Any) -> None:
    group = create_group(api, biz, subject="Tiny table")
    person, _page = signed_in(people, group["code"])
    for n in range(1, 9):  # GROUPLINK_MAX_PARTICIPANTS defaults to 8
        joined(biz, group["code"], phone(n))

    page = person.open(group["code"])
    assert page.state == "full" and "This group is full" in page.headings
    assert not page.has_form(f"/{group['code']}", action="join")
    assert people().open(group["code"]).state == "full"  # signed out alike
    # An approval-required group still takes requests when full: the admin decides.
    asking = approval_group(api, biz, subject="Tiny waiting room")
    for n in range(1, 9):
        request_id = joined(biz, asking["code"], phone(n))["join_request_id"]
        api.post(f"/{asking['id']}/join_requests", json={**WHATSAPP, "join_requests": [request_id]})
    assert person.open(asking["code"]).state == "ask"


def test_a_full_group_refuses_a_stale_join_form(
    api: httpx.Client, biz: Business, people: Any
) -> None:
    group = create_group(api, biz, subject="Last seat")
    person, page = signed_in(people, group["code"])
    form = page.form(f"/{group['code']}", action="join")
    for n in range(1, 9):
        joined(biz, group["code"], phone(n))
    after = person.submit(form)
    assert after.state == "full"
    assert person.wa_id not in wa_ids_of(api, group["id"])


# --- dead links -------------------------------------------------------------------------


def test_a_reset_link_says_so_and_reveals_nothing(
    api: httpx.Client, biz: Business, people: Any
) -> None:
    group = create_group(api, biz, subject="Secret society", description="Very private")
    new_code = code_of(reset_link(api, group["id"]))
    page = people().open(group["code"])

    assert page.status == 410
    assert page.headings == ["This invite link was reset"]
    assert_page_headers(page)
    assert page.og == {} and "description" not in page.meta
    for secret in ("Secret society", "Very private", group["id"], "/pictures/"):
        assert secret not in page.html
    assert httpx.get(f"{biz.root}/pictures/{group['code']}", timeout=30).status_code == 404

    fresh = people().open(new_code)
    assert fresh.status == 200 and fresh.headings == ["Secret society"]


def test_deleted_and_unknown_links_look_exactly_alike(
    api: httpx.Client, biz: Business, server: Server, people: Any
) -> None:
    group = create_group(api, biz, subject="Gone club", description="Nothing to see")
    answer = api.request("DELETE", f"/{group['id']}/invite_link", json=WHATSAPP)
    assert answer.status_code == 200, answer.text

    visitor = people()
    deleted = visitor.open(group["code"])
    unknown = visitor.open("Zz" * 11)  # the shape of a code, never issued
    odd = visitor.open("not-a-code")
    assert deleted.status == unknown.status == odd.status == 404
    assert deleted.headings == ["This invite link no longer works"]
    assert without_csrf(deleted.html) == without_csrf(unknown.html) == without_csrf(odd.html)
    assert deleted.og == {}
    for secret in ("Gone club", "Nothing to see", group["id"]):
        assert secret not in deleted.html

    # Signed in, still alike (and still nothing about the group).
    person = people()
    assert person.sign_in().status == 200
    assert person.open(group["code"]).html == person.open("Zz" * 11).html == deleted.html


def test_a_deleted_group_and_a_suspended_group_no_longer_work(
    api: httpx.Client, biz: Business, people: Any
) -> None:
    suspended = create_group(api, biz, subject="Suspended")
    answer = httpx.post(
        f"{biz.root}/sandbox/groups/{suspended['id']}/suspend", headers=biz.auth, timeout=30
    )
    assert answer.status_code == 200, answer.text
    deleted = create_group(api, biz, subject="Deleted")
    assert api.delete(f"/{deleted['id']}").status_code == 200
    visitor = people()
    for group in (suspended, deleted):
        page = visitor.open(group["code"])
        assert page.status == 404 and page.headings == ["This invite link no longer works"]


def test_joining_through_a_link_reset_meanwhile_fails_cleanly(
    api: httpx.Client, biz: Business, people: Any
) -> None:
    group = create_group(api, biz, subject="Moving target")
    person, page = signed_in(people, group["code"])
    form = page.form(f"/{group['code']}", action="join")
    reset_link(api, group["id"])
    after = person.submit(form)
    assert after.status == 410 and after.headings == ["This invite link was reset"]
    assert wa_ids_of(api, group["id"]) == []
