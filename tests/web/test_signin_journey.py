"""Signing in on the way to a group: the page names the group, the Join or Request
button pressed before signing in takes effect once signed in (no second press), a
code of the wrong shape says so without using up a try, and in sandbox mode the
code stays on the page after a wrong one. Over real HTTP, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import approval_group, pending_of, wa_ids_of
from tests.graph.test_join_questions import QUESTIONS, set_questions
from tests.support import Business, create_group
from tests.web.pages import Page, Person


@pytest.fixture
def person(server: Server) -> Iterator[Person]:
    someone = Person(server.base_url)
    yield someone
    someone.close()


def press_and_sign_in(person: Person, code: str, button: str) -> tuple[Page, Page]:
    """Signed out on the link page: press ``button``, sign in. The phone page, and the
    page the sign-in ends on."""
    phone_page = person.get(person.open(code).link(button))
    assert phone_page.headings == ["Sign in"], phone_page.text
    code_page = person.submit(phone_page.form("/signin"), phone="+" + person.wa_id)
    assert code_page.sandbox_code, code_page.text
    done = person.submit(code_page.form("/signin/code"), code=code_page.sandbox_code)
    return phone_page, done


def test_join_pressed_before_signing_in_joins_once_signed_in(
    api: httpx.Client, biz: Business, person: Person
) -> None:
    group = create_group(api, biz, subject="Runners")
    phone_page, done = press_and_sign_in(person, group["code"], "Join group")
    assert "To join Runners, enter your phone number" in phone_page.text
    assert done.response.url.path == f"/{group['code']}"
    assert done.state == "joined" and "You joined Runners" in done.text
    assert wa_ids_of(api, group["id"]) == [person.wa_id]


def test_request_pressed_before_signing_in_is_sent_once_signed_in(
    api: httpx.Client, biz: Business, person: Person
) -> None:
    group = approval_group(api, biz, subject="Quiet readers")
    phone_page, done = press_and_sign_in(person, group["code"], "Request to join")
    assert "To ask to join Quiet readers" in phone_page.text
    assert done.state == "requested", done.text
    assert [r["wa_id"] for r in pending_of(api, group["id"])] == [person.wa_id]


def test_a_group_with_questions_asks_them_after_sign_in(
    api: httpx.Client, biz: Business, person: Person
) -> None:
    group = approval_group(api, biz, subject="Readers")
    assert set_questions(api, group["id"], QUESTIONS).status_code == 200
    _, done = press_and_sign_in(person, group["code"], "Request to join")
    assert done.state == "ask" and QUESTIONS[0] in done.text  # nothing sent unanswered
    assert pending_of(api, group["id"]) == []


def test_signing_in_without_pressing_joins_nothing(
    api: httpx.Client, biz: Business, person: Person
) -> None:
    group = create_group(api, biz, subject="Runners")
    page = person.sign_in(f"/{group['code']}")  # no intent: only back to the link
    assert page.state == "join" and wa_ids_of(api, group["id"]) == []


def test_a_code_of_the_wrong_shape_uses_no_try_and_the_sandbox_code_stays(
    person: Person,
) -> None:
    code_page = person.ask_code()
    form, right = code_page.form("/signin/code"), code_page.sandbox_code
    assert right
    for typo in ("12345", "1234567", "12a456"):
        said = Page(person.post(form, code=typo))
        assert said.status == 400 and "Enter the 6 digits of the code we sent." in said.text
        assert said.sandbox_code == right  # still there to copy
    wrong = "000000" if right != "000000" else "111111"
    after_wrong = Page(person.post(form, code=wrong))
    assert "You have 4 tries left." in after_wrong.text  # the typos used none of the 5
    assert after_wrong.sandbox_code == right
    answer = person.post(after_wrong.form("/signin/code"), code=right)
    assert answer.status_code == 303
