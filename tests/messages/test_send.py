"""POST /{phone_number_id}/messages in the sandbox: Meta's answer (checked against
Meta's schema by the ``api`` client), the person's inbox, the audit row, Meta's errors."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import assert_envelope, phone
from tests.graph.idempotency_support import assert_replay_of
from tests.messages.helpers import audit_rows, inbox, send_text
from tests.support import Business, create_group, make_business


def test_a_text_with_the_invite_link_lands_in_the_persons_inbox(
    server: Server, api: httpx.Client, biz: Business
) -> None:
    link = create_group(api, biz)["invite_link"]
    text = {"body": f"Join us: {link}", "preview_url": True}
    answer = send_text(api, biz, "+1 555 010 0001", "", text=text)
    assert answer.status_code == 200, answer.text
    sent = answer.json()
    [contact] = sent["contacts"]
    assert contact["input"] == "+1 555 010 0001"
    assert contact["wa_id"] == "15550100001"
    assert contact["user_id"].startswith("US.")
    [message] = sent["messages"]
    assert message["id"].startswith("wamid.")
    # Shaped as Meta's: base64 of a record that holds the recipient's number.
    assert b"15550100001" in base64.b64decode(message["id"].removeprefix("wamid."))

    [received] = inbox(biz, "15550100001")
    assert received["id"] == message["id"]
    assert received["type"] == "text"
    assert received["text"] == {"body": f"Join us: {link}", "preview_url": True}
    assert received["phone_number_id"] == biz.phone_number_id
    assert inbox(biz, phone(2)) == []  # nobody else got it

    [row] = audit_rows(server.database_url, biz.business_id, "message.send")
    assert row["door"] == "graph"
    assert row["detail"]["wa_ids"] == ["15550100001"]
    assert row["detail"]["message_id"] == message["id"]


def test_a_template_and_a_bsuid_recipient(api: httpx.Client, biz: Business) -> None:
    first = send_text(api, biz, phone(3), "hello").json()
    user_id = first["contacts"][0]["user_id"]
    template = {
        "name": "group_invite",
        "language": {"code": "en_US"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Book club"}]}],
    }
    answer = api.post(
        f"/{biz.phone_number_id}/messages",
        json={
            "messaging_product": "whatsapp",
            "recipient": user_id,
            "type": "template",
            "template": template,
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["contacts"][0] == {"input": user_id, "wa_id": phone(3), "user_id": user_id}
    newest, oldest = inbox(biz, phone(3))
    assert newest["type"] == "template" and newest["template"] == template
    assert oldest["text"]["body"] == "hello"


def test_each_message_has_its_own_id(api: httpx.Client, biz: Business) -> None:
    ids = {send_text(api, biz, phone(4), f"n{n}").json()["messages"][0]["id"] for n in range(3)}
    assert len(ids) == 3
    assert [m["text"]["body"] for m in inbox(biz, phone(4))] == ["n2", "n1", "n0"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"text": {"body": "x" * 4097}}, "longer than 4096"),
        ({"text": {"body": "   "}}, "empty"),
        ({"text": {"body": "hi", "preview_url": "yes"}}, "preview_url"),
        ({"type": "image", "image": {"link": "https://example.com/a.jpg"}}, "not supported"),
        ({"to": "12"}, "international format"),
        ({"recipient": "US.123"}, "exactly one"),
        ({"recipient_type": "group"}, "individual"),
        ({"messaging_product": "sms"}, "messaging_product"),
    ],
)
def test_bad_messages_answer_error_100_and_deliver_nothing(
    api: httpx.Client, biz: Business, change: dict[str, object], words: str
) -> None:
    more = dict(change)  # the parameters are shared by both backends' runs
    to = str(more.pop("to", phone(5)))
    answer = send_text(api, biz, to, "hi", **more)
    error = assert_envelope(answer, 400, 100)
    assert words in error["error_data"]["details"], error
    assert inbox(biz, phone(5)) == []


def test_an_unknown_bsuid_is_undeliverable_131026(api: httpx.Client, biz: Business) -> None:
    answer = api.post(
        f"/{biz.phone_number_id}/messages",
        json={
            "messaging_product": "whatsapp",
            "recipient": "US.12345678901234567890",
            "text": {"body": "hi"},
        },
    )
    assert_envelope(answer, 400, 131026)


def test_another_businesss_number_is_unknown(
    server: Server, api: httpx.Client, biz: Business
) -> None:
    other = make_business(server.database_url, server.graph)
    answer = api.post(
        f"/{other.phone_number_id}/messages",
        json={"messaging_product": "whatsapp", "to": phone(6), "text": {"body": "hi"}},
    )
    assert_envelope(answer, 400, 100)
    assert inbox(other, phone(6)) == []


def test_a_retry_with_the_same_idempotency_key_sends_once(api: httpx.Client, biz: Business) -> None:
    message = {"messaging_product": "whatsapp", "to": phone(7), "text": {"body": "once"}}
    key = {"Idempotency-Key": "invite-15550100007"}
    first = api.post(f"/{biz.phone_number_id}/messages", json=message, headers=key)
    again = api.post(f"/{biz.phone_number_id}/messages", json=message, headers=key)
    assert_replay_of(first, again)
    assert [m["text"]["body"] for m in inbox(biz, phone(7))] == ["once"]
