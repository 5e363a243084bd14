"""Subscriptions as Meta's Graph API has them, with the hub.challenge handshake."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Server
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
        ("fields", "messages"),
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
