"""The invite screen's "Send link via WhatsApp" over real HTTP, on both backends: the
typed numbers each get the main link in their sandbox inbox; a refused form says why
and keeps what was typed."""

from __future__ import annotations

import html

import httpx

from tests.conftest import Server
from tests.messages.helpers import audit_rows, inbox
from tests.support import Business, create_group
from tests.web import test_console
from tests.web.test_console import Admin

admin, browsers = test_console.admin, test_console.browsers

TARGET = "/console/groups/{}/invite/send"


def test_the_link_goes_to_every_number_typed(
    server: Server, admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz, subject="Book club")
    page = admin.screen(group["id"], "invite")
    assert "Send link via WhatsApp" in page.text
    sent = admin.submit(
        page.form(TARGET.format(group["id"])), numbers="+1 555 010 0501,\n0044 20 7946 0958"
    )
    assert sent.status == 200 and "Link sent via WhatsApp to 2 people." in sent.text
    for wa_id in ("15550100501", "442079460958"):
        [message] = inbox(biz, wa_id)
        assert (
            message["text"]["body"] == f"Join my WhatsApp group “Book club”: {group['invite_link']}"
        )
        assert message["phone_number_id"] == biz.phone_number_id
    rows = audit_rows(server.database_url, biz.business_id, "message.send")
    assert [r["door"] for r in rows] == ["console", "console"]


def test_a_number_that_is_not_one_refuses_the_form_and_keeps_it(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    page = admin.screen(group["id"], "invite")
    typed = "+1 555 010 0502\n+999 1234 5678"
    refused = admin.submit(page.form(TARGET.format(group["id"])), numbers=typed)
    assert refused.status == 400
    assert "'+999 1234 5678' is not a possible phone number" in refused.text
    assert f">{html.escape(typed)}</textarea>" in refused.html
    assert 'aria-invalid="true"' in refused.html
    assert inbox(biz, "15550100502") == []  # nothing is sent when any number is refused


def test_an_empty_form_asks_for_a_number(admin: Admin, api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    page = admin.screen(group["id"], "invite")
    refused = admin.submit(page.form(TARGET.format(group["id"])), numbers=" \n ")
    assert refused.status == 400 and "Type at least one phone number." in refused.text
