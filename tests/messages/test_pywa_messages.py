"""pywa's own send calls, unchanged, against grouplink: the message lands in the
person's sandbox inbox, and pywa reads grouplink's answer as Meta's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pywa import WhatsApp
from pywa.types.templates import TemplateLanguage

from tests.messages.helpers import inbox
from tests.support import Business
from tests.test_pywa import pywa_client


@pytest.fixture
def wa(biz: Business) -> Iterator[WhatsApp]:
    client = pywa_client(biz)
    yield client
    client.api._session.close()


def test_send_message_puts_the_link_in_the_persons_inbox(wa: WhatsApp, biz: Business) -> None:
    sent = wa.send_message(
        to="15550100301", text="Join us: https://example.com/AbC", preview_url=True
    )
    assert sent.id.startswith("wamid.")
    assert sent.chat.id == "15550100301"
    assert sent.input == "15550100301"
    [received] = inbox(biz, "15550100301")
    assert received["id"] == sent.id
    assert received["text"] == {"body": "Join us: https://example.com/AbC", "preview_url": True}


def test_send_template_by_name(wa: WhatsApp, biz: Business) -> None:
    sent = wa.send_template(
        to="15550100302", name="group_invite", language=TemplateLanguage.ENGLISH_US
    )
    assert sent.id.startswith("wamid.")
    [received] = inbox(biz, "15550100302")
    assert received["id"] == sent.id
    assert received["template"]["name"] == "group_invite"
    assert received["template"]["language"] == {"code": "en_US"}
