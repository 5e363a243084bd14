"""Subscriptions as Meta's Graph API has them, with the hub.challenge handshake."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.receiver import Receiver
from tests.support import Business, make_business

ALL = "group_lifecycle_update,group_participants_update,group_settings_update,group_status_update"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def subscribe(api: httpx.Client, biz: Business, receiver: Receiver, **extra: str) -> httpx.Response:
    body = {
        "object": "whatsapp_business_account",
        "callback_url": receiver.url,
        "verify_token": receiver.verify_token,
        "fields": ALL,
        **extra,
    }
    return api.post(f"/{biz.business_id}/subscriptions", data=body)


def test_subscribe_form_encoded_then_list_in_metas_shape(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    answer = subscribe(api, biz, receiver)
    assert answer.status_code == 200, answer.text
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
    body = {
        "object": "whatsapp_business_account",
        "callback_url": receiver.url,
        "verify_token": receiver.verify_token,
        "fields": "group_lifecycle_update",
    }
    assert api.post(f"/{biz.business_id}/subscriptions", json=body).status_code == 200
    body["fields"] = "group_settings_update,group_status_update"
    assert api.post(f"/{biz.business_id}/subscriptions", json=body).status_code == 200
    [sub] = api.get(f"/{biz.business_id}/subscriptions").json()["data"]
    assert [f["name"] for f in sub["fields"]] == ["group_settings_update", "group_status_update"]


def test_a_receiver_that_does_not_echo_the_challenge_is_refused(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    wrong_token = subscribe(api, biz, receiver, verify_token="not-the-receivers")
    assert wrong_token.status_code == 400
    error = wrong_token.json()["error"]
    assert error["code"] == 2200 and "403" in error["error_data"]["details"]
    receiver.echo_challenge = False
    assert subscribe(api, biz, receiver).json()["error"]["code"] == 2200
    down = Receiver().start()
    down.stop()
    refused = subscribe(api, biz, down)
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
    answer = subscribe(api, biz, receiver, **{field: value})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100


def test_delete_removes_one_url_or_some_fields_or_all(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    other = Receiver().start()
    try:
        assert subscribe(api, biz, receiver).status_code == 200
        assert subscribe(api, biz, other).status_code == 200
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
    server,
    api: httpx.Client,
    biz: Business,
    receiver: Receiver,  # type: ignore[no-untyped-def]
) -> None:
    other = make_business(server.database_url, server.graph)
    for answer in (
        api.get(f"/{other.business_id}/subscriptions"),
        api.post(
            f"/{other.business_id}/subscriptions",
            data={
                "object": "whatsapp_business_account",
                "callback_url": receiver.url,
                "verify_token": receiver.verify_token,
                "fields": ALL,
            },
        ),
        api.get(f"/{other.business_id}/webhook_deliveries"),
    ):
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == 100
