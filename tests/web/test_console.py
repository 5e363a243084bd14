"""The admin console over real HTTP, on both backends.

A business signs in with its API token, people by phone; each sees what their
role allows and nothing of anyone else's groups. Every change made here shows
through the Graph API, because both doors go through the same services.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from grouplink.services import businesses
from tests.conftest import Server
from tests.graph.helpers import (
    approval_group,
    ask,
    code_of,
    group_fields,
    joined,
    phone,
    wa_ids_of,
)
from tests.support import TIMEOUT_S, Business, create_group, make_business, with_core
from tests.web.pages import Page, Person, new_phone


class Admin(Person):
    """A business at the console, signed in with its API token."""

    def sign_in_with_token(self, token: str) -> httpx.Response:
        page = self.get("/console/signin")
        assert page.status == 200, page.text
        return self.post(page.form("/console/signin"), token=token)

    def screen(self, group_id: str, name: str = "") -> Page:
        page = self.get(f"/console/groups/{group_id}" + (f"/{name}" if name else ""))
        assert page.status == 200, (page.status, page.text)
        return page

    def press(self, page: Page, target: str, button: str = "", **fields: str) -> Page:
        """Submit the form to ``target`` (matching ``fields``), as its ``button`` would."""
        form = page.form(target, **{k: v for k, v in fields.items() if k in ("wa_id", "scope")})
        extra = {k: v for k, v in fields.items() if k not in ("wa_id", "scope")}
        if button:
            extra["action"] = button
        return self.follow(self.post(form, **extra))


@pytest.fixture
def browsers(server: Server) -> Iterator[Any]:
    made: list[Person] = []

    def make(kind: type[Person] = Person, wa_id: str | None = None) -> Any:
        browser = kind(server.base_url, wa_id)
        made.append(browser)
        return browser

    yield make
    for browser in made:
        browser.close()


@pytest.fixture
def admin(browsers: Any, biz: Business) -> Admin:
    console: Admin = browsers(Admin)
    answer = console.sign_in_with_token(biz.token)
    assert answer.status_code == 303 and answer.headers["location"] == "/console", answer.text
    return console


def member_at_console(browsers: Any, wa_id: str) -> Person:
    person: Person = browsers(Person, wa_id)
    page = person.sign_in("/console")
    assert page.status == 200 and page.response.url.path == "/console", page.text
    return person


# --- signing in -----------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(browsers: Any) -> None:
    visitor: Person = browsers()
    for path in ("/console", "/console/groups/abc123/invite"):
        answer = visitor.client.get(path)
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == f"/console/signin?next={path}"
    page = visitor.get("/console/signin?next=/console/groups/abc123/invite")
    assert "Sign in with your phone number" in page.text
    assert page.link("Sign in with your phone number") == (
        "/signin?next=/console/groups/abc123/invite"
    )


def test_a_business_signs_in_with_its_token_and_sees_only_its_groups(
    browsers: Any, api: httpx.Client, biz: Business, server: Server
) -> None:
    mine = approval_group(api, biz, subject="Hiking club")
    ask(biz, mine["code"], phone(1))
    other = make_business(server.database_url, server.graph)
    theirs = create_group(
        httpx.Client(base_url=other.graph, headers=other.auth, timeout=TIMEOUT_S),
        other,
        subject="Not yours",
    )

    console: Admin = browsers(Admin)
    wrong = console.sign_in_with_token("gl_not-a-token")
    assert wrong.status_code == 400
    assert "That token is not valid" in Page(wrong).text
    right = console.sign_in_with_token(biz.token)
    assert right.status_code == 303
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie

    groups = console.get("/console")
    assert "Hiking club" in groups.text and "Not yours" not in groups.text
    assert groups.link("HC Hiking club 0 participants 1 pending request").endswith(mine["id"])
    assert "Test business" in groups.text  # the bar says who is signed in
    assert console.get(f"/console/groups/{theirs['id']}").status == 404
    assert console.get(f"/console/groups/{theirs['id']}/invite").status == 404


def test_revoking_the_token_ends_the_console_sessions_opened_with_it(
    browsers: Any, biz: Business, server: Server
) -> None:
    spare = with_core(
        server.database_url, lambda core: businesses.create_token(core, biz.business_id, "spare")
    )
    console: Admin = browsers(Admin)
    assert console.sign_in_with_token(spare.token).status_code == 303
    assert console.get("/console").status == 200
    assert with_core(
        server.database_url, lambda core: businesses.revoke_token(core, spare.token_id)
    )
    answer = console.client.get("/console")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/signin")
    # A session opened with another token of the business lives on.
    other: Admin = browsers(Admin)
    assert other.sign_in_with_token(biz.token).status_code == 303
    assert other.get("/console").status == 200


def test_people_see_the_groups_they_are_in_and_nothing_else(
    browsers: Any, api: httpx.Client, biz: Business
) -> None:
    member = new_phone()  # people see groups of every business: a number no other test uses
    group = create_group(api, biz, subject="Book club")
    elsewhere = create_group(api, biz, subject="Chess club")
    joined(biz, group["code"], member)
    person = member_at_console(browsers, member)
    home = person.get("/console")
    assert "Book club" in home.text and "Chess club" not in home.text
    assert "You're a participant" in home.text
    assert "New group" not in home.text  # groups belong to the business's numbers
    assert person.get("/console/new").status == 403
    assert person.get(f"/console/groups/{elsewhere['id']}").status == 404

    leave = person.get(f"/console/groups/{group['id']}/leave")
    assert "Exit Book club?" in leave.headings
    left = person.submit(leave.form(f"/console/groups/{group['id']}/leave"))
    assert "You left the group." in left.text and "Book club" not in left.text
    assert member not in wa_ids_of(api, group["id"])
    assert person.open(group["code"]).state == "join"  # leaving is not a ban

    stranger = member_at_console(browsers, new_phone())
    assert "You're not in any group yet" in stranger.get("/console").text


def test_a_business_makes_a_group_from_the_console(admin: Admin, api: httpx.Client) -> None:
    form = admin.get("/console/new").form("/console/new")
    blank = admin.post(form, subject="   ")
    assert blank.status_code == 400 and "Group name is required" in Page(blank).text
    made = admin.submit(
        form, subject="Garden club", description="Seeds and soil", approval="approval_required"
    )
    assert made.status == 200 and made.response.url.path.endswith("/invite"), made.text
    assert "Group created" in made.text
    group_id = made.response.url.path.split("/")[3]
    fields = group_fields(api, group_id, "subject,description,join_approval_mode")
    assert fields["subject"] == "Garden club" and fields["description"] == "Seeds and soil"
    assert fields["join_approval_mode"] == "approval_required"
    link = api.get(f"/{group_id}/invite_link").json()["invite_link"]
    assert f'value="{link}"' in made.html


# --- invite via link -------------------------------------------------------------------------


def read_qr(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_invite_screen_shows_the_link_and_a_qr_code_of_it(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz, subject="Hiking club")
    link = api.get(f"/{group['id']}/invite_link").json()["invite_link"]
    page = admin.screen(group["id"], "invite")
    assert f'value="{link}"' in page.html
    assert "<svg" in page.html and "QR code of the invite link to Hiking club" in page.html
    # What following the link really takes: a phone number confirmed with a code.
    assert "confirm their phone number with a code and join this group at once" in page.text

    png = admin.client.get(f"/console/groups/{group['id']}/invite/qr.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == 'attachment; filename="hiking-club-invite-qr.png"'
    assert read_qr(png.content) == [link]  # a phone camera reads the working link


def test_reset_asks_first_then_kills_every_earlier_link(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    first = group["code"]
    confirm = admin.screen(group["id"], "invite/reset")
    assert "Reset link?" in confirm.headings
    assert "The current link will stop working at once." in confirm.text
    after = admin.submit(confirm.form(f"/console/groups/{group['id']}/invite/reset"))
    assert "Link reset. The old link no longer works" in after.text
    new = api.get(f"/{group['id']}/invite_link").json()["invite_link"]
    assert code_of(new) != first and f'value="{new}"' in after.html
    assert admin.get(f"/{first}").status == 410  # the old link's page says it was reset
    png = admin.client.get(f"/console/groups/{group['id']}/invite/qr.png").content
    assert read_qr(png) == [new]

    deleted = admin.submit(
        admin.screen(group["id"], "invite/delete").form(
            f"/console/groups/{group['id']}/invite/delete"
        )
    )
    assert "Link deleted" in deleted.text and "Make a new link" in deleted.text
    # One notice, and making a new link is the screen's main button, not a danger-zone one.
    assert deleted.html.count('class="notice') == 1, deleted.html
    assert f'<a class="button" href="/console/groups/{group["id"]}/invite/reset"' in deleted.html
    assert api.get(f"/{group['id']}/invite_link").status_code == 400
    assert admin.get(f"/{code_of(new)}").status == 404


def test_forms_without_the_visitors_token_change_nothing(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    form = admin.screen(group["id"], "invite/reset").form(
        f"/console/groups/{group['id']}/invite/reset"
    )
    refused = admin.post(form, csrf="forged")
    assert refused.status_code == 403
    assert code_of(api.get(f"/{group['id']}/invite_link").json()["invite_link"]) == group["code"]


# --- who can manage the invite link ----------------------------------------------------------


def test_members_reach_the_link_only_when_all_participants_may(
    browsers: Any, admin: Admin, api: httpx.Client, biz: Business
) -> None:
    member = new_phone()
    group = create_group(api, biz, subject="Choir")
    joined(biz, group["code"], member)
    person = member_at_console(browsers, member)

    info = person.get(f"/console/groups/{group['id']}")
    assert info.status == 200
    tabs = [text for text, _ in info.links]
    assert "Invite links" not in tabs and "Settings" not in tabs and "Requests" not in tabs
    refused = person.get(f"/console/groups/{group['id']}/invite")
    assert refused.status == 403
    assert "Only admins can manage this group's invite link" in refused.text
    assert person.get(f"/console/groups/{group['id']}/settings").status == 403
    assert "Manage invite link" not in person.open(group["code"]).text

    settings = admin.screen(group["id"], "settings")
    saved = admin.submit(
        settings.form(f"/console/groups/{group['id']}/settings"),
        subject="Choir",
        approval="",
        link_managers="all",
    )
    assert "Settings saved" in saved.text
    assert group_fields(api, group["id"], "link_managers")["link_managers"] == "all"

    info = person.get(f"/console/groups/{group['id']}")
    assert "Invite links" in [text for text, _ in info.links]
    invite = person.get(f"/console/groups/{group['id']}/invite")
    assert invite.status == 200 and group["code"] in invite.html
    assert person.open(group["code"]).link("Manage invite link") == (
        f"/console/groups/{group['id']}/invite"
    )
    # Managing the link is all they may do.
    assert person.get(f"/console/groups/{group['id']}/requests").status == 403
    reset = person.submit(
        person.get(f"/console/groups/{group['id']}/invite/reset").form(
            f"/console/groups/{group['id']}/invite/reset"
        )
    )
    assert "Link reset" in reset.text
    assert admin.get(f"/{group['code']}").status == 410


def test_an_admin_the_business_names_runs_the_group(
    browsers: Any, admin: Admin, api: httpx.Client, biz: Business
) -> None:
    person_id, asker = new_phone(), phone(6)
    group = approval_group(api, biz, subject="Runners")
    request_id = ask(biz, group["code"], person_id)
    admin.press(
        admin.screen(group["id"], "requests"),
        "/console/groups/{}/requests".format(group["id"]),
        "approve",
        ids=request_id,
    )
    assert wa_ids_of(api, group["id"]) == [person_id]

    members = admin.screen(group["id"], "members")
    promoted = admin.press(
        members, f"/console/groups/{group['id']}/members", "promote", wa_id=person_id
    )
    assert "They're now an admin" in promoted.text and "Group admin" in promoted.text

    person = member_at_console(browsers, person_id)
    assert "You're an admin" in person.get("/console").text
    ask(biz, group["code"], asker)
    requests = person.get(f"/console/groups/{group['id']}/requests")
    assert requests.status == 200 and "+1 555-010-0006" in requests.text
    form = requests.form(f"/console/groups/{group['id']}/requests", scope="all")
    asked = person.follow(person.post(form, action="approve"))
    assert asked.headings[-1] == "Approve all 1 request?"
    assert "Approved 1 request." in person.say_yes(asked).text
    assert sorted(wa_ids_of(api, group["id"])) == sorted([person_id, asker])
    assert person.get(f"/console/groups/{group['id']}/delete").status == 403  # owner only

    dismissed = admin.press(
        admin.screen(group["id"], "members"),
        f"/console/groups/{group['id']}/members",
        "demote",
        wa_id=person_id,
    )
    assert "They're no longer an admin" in dismissed.text
    assert person.get(f"/console/groups/{group['id']}/requests").status == 403


def test_unknown_console_paths_are_pages(browsers: Any, admin: Admin) -> None:
    for path in ("/console/nothing", "/console/groups/x/y/z"):
        answer = admin.client.get(path)
        assert answer.status_code == 404 and answer.headers["content-type"].startswith(
            "text/html"
        ), answer.text
