"""A person's sandbox inbox in the console over real HTTP, on both backends: what the
business sent them, newest first, with the link in it a link; an empty inbox says so;
someone the business never saw, anyone but the business, and a server without the
sandbox get "Page not found" and nothing of anyone's messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, own_server
from tests.graph.helpers import approval_group, ask, joined, phone
from tests.messages.helpers import send_text
from tests.meta_schemas import graph_client
from tests.support import Business, create_group, make_business
from tests.web import test_console
from tests.web.pages import Page, Person
from tests.web.test_console import Admin, member_at_console
from tests.web.test_console_browser import approve

admin, browsers = test_console.admin, test_console.browsers


def inbox_path(wa_id: str) -> str:
    return f"/console/sandbox/people/{wa_id}/messages"


def messages_of(page: Page) -> list[str]:
    """Each message's words as the page shows them, top first."""
    items = re.findall(r'<li class="message">(.*?)</li>', page.html, re.S)
    inline = [re.sub(r"</?(a|span|strong|time)\b[^>]*>", "", item) for item in items]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in inline]


def assert_not_found(page: Page) -> None:
    assert page.status == 404, (page.status, page.text)
    assert page.response.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text


def template(api: httpx.Client, biz: Business, to: str, url: str) -> None:
    message = {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {
            "name": "group_invite",
            "language": {"code": "en_US"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": url}]}],
        },
    }
    answer = api.post(f"/{biz.phone_number_id}/messages", json=message)
    assert answer.status_code == 200, answer.text


def test_the_inbox_shows_what_was_sent_newest_first_with_its_link(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz, subject="Book club")
    wa_id = phone(701)
    sent = send_text(api, biz, wa_id, f"Join “Book club”: {group['invite_link']}.")
    assert sent.status_code == 200, sent.text
    template(api, biz, wa_id, group["invite_link"])

    page = admin.get(inbox_path(wa_id))
    assert page.status == 200, page.text
    assert "Inbox of +1 555-010-0701" in page.headings
    newest, oldest = messages_of(page)
    assert "Template group_invite, en_US" in newest and group["invite_link"] in newest
    assert f"Join “Book club”: {group['invite_link']}." in oldest
    assert "just now · Delivered" in oldest
    # The address is a link, without the full stop after it.
    assert page.html.count(f'<a href="{group["invite_link"]}">') == 2
    assert "No messages yet" not in page.text


def test_only_web_addresses_become_links_and_nothing_is_markup(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    wa_id = phone(710)
    body = "See <b>this</b>, javascript:alert(1) and (https://example.org/a?b=1)."
    assert send_text(api, biz, wa_id, body).status_code == 200
    page = admin.get(inbox_path(wa_id))
    assert "See &lt;b&gt;this&lt;/b&gt;, javascript:alert(1) and (" in page.html
    assert 'href="javascript' not in page.html
    assert '<a href="https://example.org/a?b=1">https://example.org/a?b=1</a>).' in page.html


def test_someone_seen_but_never_messaged_has_an_empty_inbox(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    wa_id = phone(702)
    joined(biz, group["code"], wa_id)
    page = admin.get(inbox_path(wa_id))
    assert page.status == 200, page.text
    assert messages_of(page) == []
    assert "No messages yet." in page.text


def test_a_person_not_in_this_business_is_not_found_and_nothing_leaks(
    server: Server, admin: Admin, biz: Business
) -> None:
    other = make_business(server.database_url, server.graph)
    wa_id = phone(703)
    with graph_client(other.graph, other.token) as their_api:
        answer = send_text(their_api, other, wa_id, "The other business's secret note")
    assert answer.status_code == 200, answer.text
    for path in (inbox_path(wa_id), inbox_path("not-a-number"), inbox_path(phone(704))):
        page = admin.get(path)
        assert_not_found(page)
        assert "secret note" not in page.html
    looked_up = admin.get(f"/console/sandbox?phone=%2B{wa_id}")
    assert looked_up.status == 404 and "has no inbox here yet" in looked_up.text
    assert "secret note" not in looked_up.html


def test_the_form_finds_an_inbox_by_the_number_as_typed(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    wa_id = phone(705)
    assert send_text(api, biz, wa_id, "Hello").status_code == 200
    form = admin.get("/console/sandbox")
    assert form.status == 200 and "Sandbox inboxes" in form.headings
    found = admin.client.get("/console/sandbox", params={"phone": "+1 555 010 0705"})
    assert found.status_code == 303 and found.headers["location"] == inbox_path(wa_id)
    refused = admin.get("/console/sandbox?phone=%2B999+1234+5678")
    assert refused.status == 400 and "is not a possible phone number" in refused.text
    assert 'aria-invalid="true"' in refused.html and 'value="+999 1234 5678"' in refused.html


def test_people_and_requests_link_to_their_inboxes(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz, subject="Choir")
    member, asking = phone(706), phone(707)
    ask(biz, group["code"], member)
    approve(api, group["id"], [member])
    ask(biz, group["code"], asking)
    people = admin.screen(group["id"], "members")
    assert ("Inbox", inbox_path(member)) in people.links
    requests = admin.screen(group["id"], "requests")
    assert ("Inbox", inbox_path(asking)) in requests.links
    assert ("sandbox inbox", "/console/sandbox") in admin.get("/console").links


def test_only_the_business_reads_inboxes(
    browsers: Any, admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    wa_id = phone(708)
    joined(biz, group["code"], wa_id)
    assert send_text(api, biz, wa_id, "For the business's eyes").status_code == 200
    person: Person = member_at_console(browsers, wa_id)  # even the inbox's own person
    for path in (inbox_path(wa_id), "/console/sandbox"):
        page = person.get(path)
        assert_not_found(page)
        assert "business's eyes" not in page.html
    members = person.get(f"/console/groups/{group['id']}/members")
    assert members.status == 200 and all(words != "Inbox" for words, _ in members.links)


@pytest.fixture(scope="module")
def no_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with own_server("sqlite", Path(tmp_path_factory.mktemp("no-sandbox")), sandbox="false") as srv:
        yield srv


def test_without_the_sandbox_there_are_no_inboxes(no_sandbox: Server) -> None:
    biz = make_business(no_sandbox.database_url, no_sandbox.graph)
    console = Admin(no_sandbox.base_url)
    try:
        assert console.sign_in_with_token(biz.token).status_code == 303
        assert_not_found(console.get("/console/sandbox"))
        assert_not_found(console.get(inbox_path(phone(709))))
        assert ("sandbox inbox", "/console/sandbox") not in console.get("/console").links
    finally:
        console.close()
