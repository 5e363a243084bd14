"""Subscriptions as Meta's Graph API has them, with the hub.challenge handshake."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import assert_envelope
from tests.receiver import Receiver
from tests.support import Business, make_business
from tests.webhooks.conftest import ALL, subscribe


def test_subscribe_form_encoded_then_list_in_metas_shape(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    answer = subscribe(api, biz, receiver)  # asserts HTTP 200
    assert answer.json() == {"success": True}
    listed = api.get(f"/{biz.business_id}/subscriptions").json()
    [sub] = listed["data"]
    assert sub["object"] == "whatsapp_business_account"
    assert sub["callback_url"] == receiver.url
    assert sub["active"] is True
    assert [f["name"] for f in sub["fields"]] == ALL.split(",")


def test_subscribe_as_json_and_again_updates_the_fields(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    subscribe(api, biz, receiver, as_json=True, fields="group_lifecycle_update")
    subscribe(api, biz, receiver, as_json=True, fields="group_settings_update,group_status_update")
    [sub] = api.get(f"/{biz.business_id}/subscriptions").json()["data"]
    assert [f["name"] for f in sub["fields"]] == ["group_settings_update", "group_status_update"]


def test_a_receiver_that_does_not_echo_the_challenge_is_refused(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    wrong_token = subscribe(api, biz, receiver, expect=400, verify_token="not-the-receivers")
    error = wrong_token.json()["error"]
    assert error["code"] == 2200 and "403" in error["error_data"]["details"]
    receiver.echo_challenge = False
    assert subscribe(api, biz, receiver, expect=400).json()["error"]["code"] == 2200
    down = Receiver().start()
    down.stop()
    refused = subscribe(api, biz, down, expect=400)
    assert refused.json()["error"]["code"] == 2200
    assert "connect" in refused.json()["error"]["error_data"]["details"].lower()
    assert api.get(f"/{biz.business_id}/subscriptions").json()["data"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("object", "page"),
        ("callback_url", "ftp://example.test/hook"),
        ("callback_url", "http://[::1/x"),  # urlsplit's ValueError was a 500
        ("callback_url", "http://127.0.0.1:99999/x"),  # so was a port out of range
        ("callback_url", "http:///no-host"),
        ("callback_url", "http://example.test/a\r\nX-Injected: 1"),
        ("callback_url", "http://example.test/a b"),
        ("fields", "message_template_status_update"),  # a field of Meta's grouplink has not
        ("fields", ""),
        ("verify_token", ""),
    ],
)
def test_bad_subscriptions_answer_code_100(
    api: httpx.Client, biz: Business, receiver: Receiver, field: str, value: str
) -> None:
    wrong: dict[str, Any] = {field: value}  # Any: mypy cannot tell it from expect/as_json
    answer = subscribe(api, biz, receiver, expect=400, **wrong)
    assert answer.json()["error"]["code"] == 100


def test_too_long_token_or_url_is_100_before_the_handshake_on_both_backends(
    api: httpx.Client, biz: Business
) -> None:
    """Each receiver here would pass the handshake: the checks come first, the same on
    SQLite (which stored what was too long) as on PostgreSQL (whose columns refused it
    after the handshake: a 500)."""
    for length, expect in ((257, 400), (256, 200)):
        receiver = Receiver(verify_token="t" * length).start()
        try:
            answer = subscribe(api, biz, receiver, expect=expect)
        finally:
            receiver.stop()
        if expect == 400:
            error = assert_envelope(answer, 400, 100)
            assert error["error_data"]["details"] == "verify_token is longer than 256 characters"
    api.delete(f"/{biz.business_id}/subscriptions")
    receiver = Receiver().start()
    try:
        padded = receiver.url + "?pad=" + "x" * (2049 - len(receiver.url) - 5)
        assert len(padded) == 2049
        answer = subscribe(api, biz, receiver, expect=400, callback_url=padded)
        error = assert_envelope(answer, 400, 100)
        assert error["error_data"]["details"] == "callback_url is longer than 2048 characters"
        assert api.get(f"/{biz.business_id}/subscriptions").json()["data"] == []
        subscribe(api, biz, receiver, callback_url=padded[:-1])  # 2,048 characters: fine
        [sub] = api.get(f"/{biz.business_id}/subscriptions").json()["data"]
        assert sub["callback_url"] == padded[:-1]
    finally:
        receiver.stop()


def test_delete_removes_one_url_or_some_fields_or_all(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    other = Receiver().start()
    try:
        subscribe(api, biz, receiver)
        subscribe(api, biz, other)
        url = f"/{biz.business_id}/subscriptions"
        assert api.delete(url, params={"fields": "group_status_update"}).json() == {"success": True}
        for sub in api.get(url).json()["data"]:
            assert "group_status_update" not in [f["name"] for f in sub["fields"]]
        assert api.delete(url, params={"callback_url": other.url}).status_code == 200
        assert [s["callback_url"] for s in api.get(url).json()["data"]] == [receiver.url]
        assert api.delete(url).status_code == 200
        assert api.get(url).json()["data"] == []
    finally:
        other.stop()


def test_another_business_id_in_the_path_looks_unknown(
    server: Server, api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    other = make_business(server.database_url, server.graph)
    for answer in (
        api.get(f"/{other.business_id}/subscriptions"),
        subscribe(api, other, receiver, expect=None),  # api holds biz's token, not other's
        api.get(f"/{other.business_id}/webhook_deliveries"),
    ):
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == 100
