"""Text with control characters in a page's form or query is a 400 page that says
so, never a 500 (PostgreSQL's text columns refuse NUL) nor stored (SQLite took it)."""

from __future__ import annotations

import httpx

from tests.conftest import Server
from tests.graph.helpers import approval_group, group_fields, pending_of
from tests.graph.test_join_questions import QUESTIONS, set_questions
from tests.support import Business, create_group
from tests.web import test_console
from tests.web.pages import Page, Person
from tests.web.test_console import Admin
from tests.web.test_console_links import base, make_in_console

admin, browsers = test_console.admin, test_console.browsers

REFUSED_HEADING = "That text can't be used"


def assert_refused(answer: httpx.Response) -> None:
    page = Page(answer)
    assert page.status == 400, (page.status, page.text)
    assert answer.headers["content-type"].startswith("text/html")
    assert page.headings == [REFUSED_HEADING], page.text


def test_console_forms_refuse_control_characters(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    new_group = admin.get("/console/new").form("/console/new")
    assert_refused(admin.post(new_group, subject="Chess\u0000club"))
    assert_refused(admin.post(new_group, subject="Chess", description="moves\u001b[2J"))
    listed = api.get(f"/{biz.phone_number_id}/groups").json()["data"]["groups"]
    assert listed == []  # nothing was made

    group = create_group(api, biz, subject="Readers")
    settings = f"/console/groups/{group['id']}/settings"
    form = admin.screen(group["id"], "settings").form(settings)
    assert_refused(admin.post(form, description="A\u0000B"))
    assert_refused(admin.post(form, question_1="Why\u0007?"))
    info = group_fields(api, group["id"], "subject,description,join_questions")
    assert (info["subject"], info["description"], info["join_questions"]) == ("Readers", "", [])
    link_form = admin.screen(group["id"], "invite/new").form(base(group["id"], "invite/new"))
    assert_refused(admin.post(link_form, name="Poster\u0000"))
    # Line breaks are text: a description keeps them.
    saved = admin.submit(form, description="Line one\r\nLine two")
    assert "Settings saved." in saved.text
    assert make_in_console(admin, group["id"], name="Poster").status == 200


def test_the_link_page_and_sign_in_refuse_control_characters(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz, subject="Readers")
    set_questions(api, group["id"], QUESTIONS)
    person = Person(server.base_url)
    try:
        page = person.sign_in(f"/{group['code']}")
        form = page.form(f"/{group['code']}", action="join")
        assert_refused(person.post(form, answer_1="Dune\u0000", answer_2="A friend"))
        assert pending_of(api, group["id"]) == []
        stranger = Person(server.base_url)  # not signed in: the sign-in form is there
        try:
            start = stranger.get("/signin")
            assert_refused(stranger.post(start.form("/signin"), phone="+1555\u0000"))
        finally:
            stranger.close()
        assert_refused(person.client.get("/signin", params={"next": "/\u0000"}))
        assert_refused(person.client.get(f"/{group['code']}%00"))
    finally:
        person.close()
