"""A sent message's statuses reach a business subscribed to ``messages``: ``sent`` then
``delivered``, in Meta's ``value.statuses`` (checked against Meta's StatusMessageValue
by the receiver), signed like every webhook; a business not subscribed to it gets none."""

from __future__ import annotations

import hashlib
import hmac

import httpx

from tests.messages.helpers import send_text
from tests.receiver import Delivery, Receiver
from tests.support import Business, create_group
from tests.webhooks.conftest import ALL, subscribe


def statuses(got: list[Delivery]) -> list[Delivery]:
    return [d for d in got if d.field == "messages"]


def test_sent_then_delivered_in_metas_shape(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    subscribe(api, biz, receiver, fields="messages")
    sent = send_text(api, biz, "+1 555 010 0201", "Join: https://example.com/x").json()
    message_id = sent["messages"][0]["id"]

    got = statuses(receiver.wait_for(lambda got: len(statuses(got)) >= 2))
    assert sorted(d.status["status"] for d in got) == ["delivered", "sent"]
    for delivery in got:
        status = delivery.status
        assert status["id"] == message_id
        assert status["recipient_id"] == "15550100201"
        assert status["recipient_user_id"] == sent["contacts"][0]["user_id"]
        assert status["timestamp"].isdigit()
        [entry] = delivery.json["entry"]
        assert entry["id"] == biz.business_id
        value = entry["changes"][0]["value"]
        assert value["metadata"]["phone_number_id"] == biz.phone_number_id
        assert "groups" not in value
        expected = hmac.new(biz.app_secret.encode(), delivery.body, hashlib.sha256).hexdigest()
        assert delivery.headers["X-Hub-Signature-256"] == f"sha256={expected}"
    # One event id per status: a receiver can drop a retried one.
    assert len({d.headers["X-Grouplink-Event-Id"] for d in got}) == 2


def test_only_subscribers_to_messages_get_statuses(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    subscribe(api, biz, receiver, fields=ALL)  # every group field, not messages
    send_text(api, biz, "+1 555 010 0202", "hello")
    create_group(api, biz)  # a later event that does reach the receiver
    got = receiver.wait_for(lambda got: any(d.field == "group_lifecycle_update" for d in got))
    assert statuses(got) == []
