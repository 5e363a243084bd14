"""Sign-in by phone and one-time code, sessions and CSRF, over real HTTP on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from grouplink.store.tables import signin_codes, web_sessions
from tests.conftest import Server
from tests.graph.helpers import wa_ids_of
from tests.support import Business, create_group
from tests.web.pages import Page, Person, fetch_rows, run_sql


@pytest.fixture
def person(server: Server) -> Iterator[Person]:
    someone = Person(server.base_url)
    yield someone
    someone.close()


def signed_in_as(page: Page) -> bool:
    return "Signed in as" in page.text


def test_sign_in_with_the_sandbox_code(person: Person) -> None:
    start = person.get("/signin")
    assert start.status == 200 and start.headings == ["Sign in"]
    code_page = person.submit(start.form("/signin"), phone="+1 (555) " + person.wa_id[4:])
    assert code_page.status == 200 and code_page.headings == ["Enter your code"]
    assert code_page.sandbox_code is not None and len(code_page.sandbox_code) == 6
    assert code_page.sandbox_code.isdigit()

    answer = person.post(code_page.form("/signin/code"), code=code_page.sandbox_code)
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    done = person.follow(answer)
    assert done.headings == ["You're signed in"] and signed_in_as(done)


def test_cookies_are_http_only_and_same_site(person: Person) -> None:
    start = person.get("/signin")
    csrf_cookie = start.response.headers["set-cookie"]
    assert csrf_cookie.startswith("gl_csrf=")
    code_page = person.submit(start.form("/signin"), phone=person.wa_id)
    answer = person.post(code_page.form("/signin/code"), code=code_page.sandbox_code or "")
    session_cookie = answer.headers["set-cookie"]
    assert session_cookie.startswith("gl_session=")
    for cookie in (csrf_cookie, session_cookie):
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=lax", "path=/"} <= attributes, cookie
        assert "secure" not in attributes  # plain HTTP here; see the HTTPS tests
    assert f"max-age={30 * 24 * 3600}" in session_cookie.lower()


def test_codes_are_stored_only_as_hashes(person: Person, server: Server) -> None:
    code_page = person.ask_code()
    code = code_page.sandbox_code
    assert code
    rows = fetch_rows(
        server.database_url, sa.select(signin_codes).where(signin_codes.c.wa_id == person.wa_id)
    )
    assert len(rows) == 1
    row = rows[0]._mapping
    assert len(row["code_hash"]) == 64 and code not in row["code_hash"]
    assert all(code != str(value) for value in row.values())
    assert row["expires_at"] - row["created_at"] == 300_000  # five minutes


def test_a_code_signs_in_once(person: Person, server: Server) -> None:
    code_page = person.ask_code()
    form = code_page.form("/signin/code")
    assert person.post(form, code=code_page.sandbox_code or "").status_code == 303

    replay = Person(server.base_url, person.wa_id)
    replay_start = replay.get("/signin")
    forged = {**form.fields, "csrf": replay_start.form("/signin").fields["csrf"]}
    again = Page(
        replay.client.post("/signin/code", data={**forged, "code": code_page.sandbox_code})
    )
    assert again.status == 400 and "expired or was already used" in again.text
    assert "gl_session" not in again.response.headers.get("set-cookie", "")
    assert not again.has_form("/signin/code")
    replay.close()


def test_an_expired_code_is_refused(person: Person, server: Server) -> None:
    code_page = person.ask_code()
    run_sql(
        server.database_url,
        sa.update(signin_codes).where(signin_codes.c.wa_id == person.wa_id).values(expires_at=1),
    )
    answer = Page(person.post(code_page.form("/signin/code"), code=code_page.sandbox_code or ""))
    assert answer.status == 400 and "expired" in answer.text
    assert not signed_in_as(person.get("/signin"))
    # "Send a new code" starts over, and the new code works.
    fresh = person.submit(answer.form("/signin"))
    assert fresh.sandbox_code
    assert person.post(fresh.form("/signin/code"), code=fresh.sandbox_code).status_code == 303


def test_five_wrong_codes_lock_the_code(person: Person) -> None:
    code_page = person.ask_code()
    right = code_page.sandbox_code or ""
    wrong = "000000" if right != "000000" else "111111"
    form = code_page.form("/signin/code")
    for tries_left in (4, 3, 2, 1):
        page = Page(person.post(form, code=wrong))
        assert page.status == 400
        plural = "try" if tries_left == 1 else "tries"
        assert f"That code is not right. You have {tries_left} {plural} left." in page.text
    last = Page(person.post(form, code=wrong))
    assert last.status == 400 and "Too many wrong codes" in last.text
    assert not last.has_form("/signin/code")
    # Locked: even the right code no longer signs in.
    locked = Page(person.post(form, code=right))
    assert locked.status == 400 and "gl_session" not in locked.response.headers.get(
        "set-cookie", ""
    )
    assert not signed_in_as(person.get("/signin"))


def test_a_new_code_replaces_the_earlier_one(person: Person) -> None:
    first = person.ask_code()
    second = person.ask_code()
    assert first.sandbox_code and second.sandbox_code
    old = Page(person.post(first.form("/signin/code"), code=first.sandbox_code))
    assert old.status == 400 and "expired or was already used" in old.text
    assert person.post(second.form("/signin/code"), code=second.sandbox_code).status_code == 303


def test_a_bad_number_is_explained(person: Person) -> None:
    start = person.get("/signin")
    for bad in ("12", "call me", "", "+999 123 456 789", "+44 12 345", "+00442079460958"):
        page = Page(person.post(start.form("/signin"), phone=bad))
        assert page.status == 400
        assert "full number with its country code" in page.text
        assert 'aria-invalid="true"' in page.html


def test_the_international_prefix_00_is_understood(person: Person, server: Server) -> None:
    """``0044 20 7946 0958`` is how much of the world writes +44 20 7946 0958."""
    start = person.get("/signin")
    code_page = person.submit(start.form("/signin"), phone="0044 20 7946 0958")
    assert code_page.headings == ["Enter your code"], code_page.text
    assert "+44 20 7946 0958" in code_page.text
    rows = fetch_rows(server.database_url, sa.select(signin_codes.c.wa_id))
    assert ("442079460958",) in [tuple(row) for row in rows]


def test_next_never_leaves_the_site(server: Server) -> None:
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:x"):
        person = Person(server.base_url)
        code_page = person.ask_code(target)
        assert code_page.form("/signin/code").fields["next"] == "/signin"
        answer = person.post(code_page.form("/signin/code"), code=code_page.sandbox_code or "")
        assert answer.headers["location"] == "/signin", target
        person.close()


def test_sign_out_ends_the_session_for_every_copy(person: Person, server: Server) -> None:
    page = person.sign_in()
    token = person.client.cookies["gl_session"]
    other = httpx.Client(base_url=server.base_url, cookies={"gl_session": token}, timeout=30)
    assert signed_in_as(Page(other.get("/signin")))

    signout = page.form("/signout")
    answer = person.post(signout)
    assert answer.status_code == 303
    assert (
        'gl_session=""' in answer.headers["set-cookie"]
        or "Max-Age=0" in answer.headers["set-cookie"]
    )
    # The server forgot it: a copy of the cookie signs nobody in, on any worker.
    for _ in range(4):
        assert not signed_in_as(Page(other.get("/signin")))
    other.close()


def test_an_expired_session_signs_nobody_in(person: Person, server: Server) -> None:
    person.sign_in()
    assert signed_in_as(person.get("/signin"))
    run_sql(
        server.database_url,
        sa.update(web_sessions).where(web_sessions.c.wa_id == person.wa_id).values(expires_at=1),
    )
    assert not signed_in_as(person.get("/signin"))


# --- CSRF -------------------------------------------------------------------------------


def assert_refused(answer: httpx.Response) -> None:
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "This page has expired" in Page(answer).headings


def test_forms_without_a_valid_token_are_refused(
    api: httpx.Client, biz: Business, server: Server, person: Person
) -> None:
    group = create_group(api, biz, subject="Guarded")
    code = group["code"]
    start = person.get("/signin")
    form = start.form("/signin")
    assert_refused(person.post(form, csrf="", phone=person.wa_id))
    token = form.fields["csrf"]
    tampered = ("A" if token[0] != "A" else "B") + token[1:]
    assert_refused(person.post(form, csrf=tampered, phone=person.wa_id))
    # A token is good only with its own cookie: another visitor's does not transfer.
    other = Person(server.base_url)
    stolen = other.get("/signin").form("/signin").fields["csrf"]
    assert_refused(person.post(form, csrf=stolen, phone=person.wa_id))
    other.close()
    # A post with no cookie at all (a first visit, or a cross-site form) is refused too.
    with httpx.Client(base_url=server.base_url, timeout=30) as fresh:
        assert_refused(fresh.post("/signin", data={"csrf": stolen, "phone": person.wa_id}))

    page = person.sign_in(f"/{code}")
    join = page.form(f"/{code}", action="join")
    # Tokens change at sign-in: one from before no longer works.
    assert_refused(person.post(join, csrf=form.fields["csrf"]))
    assert_refused(person.post(join, csrf=""))
    assert_refused(person.post(page.form("/signout"), csrf=""))
    assert wa_ids_of(api, group["id"]) == []
    assert signed_in_as(person.open(code))
    assert person.submit(join).state == "joined"


def test_a_signed_out_post_goes_to_sign_in(
    api: httpx.Client, biz: Business, person: Person
) -> None:
    group = create_group(api, biz, subject="Door")
    answer = person.client.post(f"/{group['code']}", data={"action": "join"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/signin?next=/{group['code']}&intent=join"
