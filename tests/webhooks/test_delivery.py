"""Deliveries to a real receiver on loopback: every event type of WIRE.md, in
Meta's envelope, signed as Meta signs, at least once, never lost."""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx
from pywa import utils as pywa_utils

from tests.conftest import Server
from tests.receiver import Delivery, Receiver
from tests.support import TIMEOUT_S, Business, create_group, join, make_business
from tests.webhooks.conftest import age_retry_window, subscribe


def of_type(deliveries: list[Delivery], kind: str) -> list[Delivery]:
    return [d for d in deliveries if d.event["type"] == kind]


def test_every_event_type_arrives_in_metas_shape_and_signed(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    subscribe(api, biz, receiver)
    root = biz.root
    group = create_group(api, biz, subject="Café crème", join_approval_mode="approval_required")
    gid, code = group["id"], group["code"]
    asked = join(biz, code, "15550100001").json()
    join(biz, code, "15550100002")
    httpx.post(
        f"{root}/sandbox/invites/{code}/cancel",
        json={"wa_id": "15550100002"},
        headers=biz.auth,
        timeout=TIMEOUT_S,
    )
    approve = api.post(
        f"/{gid}/join_requests",
        json={"messaging_product": "whatsapp", "join_requests": [asked["join_request_id"]]},
    )
    assert approve.status_code == 200
    api.post(
        f"/{gid}", json={"messaging_product": "whatsapp", "subject": "Tea", "description": "Hot"}
    )
    api.post(
        f"/{gid}", json={"messaging_product": "whatsapp", "join_approval_mode": "auto_approve"}
    )
    join(biz, code, "15550100003")
    httpx.post(
        f"{root}/sandbox/groups/{gid}/leave",
        json={"wa_id": "15550100003"},
        headers=biz.auth,
        timeout=TIMEOUT_S,
    )
    remove = api.request(
        "DELETE",
        f"/{gid}/participants",
        json={"messaging_product": "whatsapp", "participants": [{"user": "+1 555 010 0001"}]},
    )
    assert remove.status_code == 200
    httpx.post(f"{root}/sandbox/groups/{gid}/suspend", headers=biz.auth, timeout=TIMEOUT_S)
    httpx.post(f"{root}/sandbox/groups/{gid}/unsuspend", headers=biz.auth, timeout=TIMEOUT_S)
    deleted = api.delete(f"/{gid}").json()

    wanted = {
        "group_create": 1,
        "group_join_request_created": 2,
        "group_join_request_revoked": 1,
        "group_participants_add": 2,
        "group_settings_update": 1,
        "group_participants_remove": 2,
        "group_suspend": 1,
        "group_suspend_cleared": 1,
        "group_delete": 1,
    }
    got = receiver.wait_for(lambda ds: all(len(of_type(ds, k)) >= n for k, n in wanted.items()))
    assert {k: len(of_type(got, k)) for k in wanted} == wanted  # nothing extra, nothing missing

    for delivery in got:
        envelope = delivery.json
        assert envelope["object"] == "whatsapp_business_account"
        [entry] = envelope["entry"]
        assert entry["id"] == biz.business_id
        value = entry["changes"][0]["value"]
        assert value["messaging_product"] == "whatsapp"
        assert value["metadata"]["phone_number_id"] == biz.phone_number_id
        assert value["metadata"]["display_phone_number"].isdigit()
        event = delivery.event
        assert event["group_id"] == gid
        assert event["timestamp"].isdigit()  # unix seconds as a string, as Meta sends
        # Signed over the exact bytes sent, checked two independent ways.
        signature = delivery.headers["X-Hub-Signature-256"]
        expected = hmac.new(biz.app_secret.encode(), delivery.body, hashlib.sha256).hexdigest()
        assert signature == f"sha256={expected}"
        assert pywa_utils.webhook_updates_validator(biz.app_secret, delivery.body, signature)
        assert delivery.body.isascii()
        assert delivery.headers["X-Grouplink-Event-Id"]

    fields = {
        "group_create": "group_lifecycle_update",
        "group_delete": "group_lifecycle_update",
        "group_participants_add": "group_participants_update",
        "group_participants_remove": "group_participants_update",
        "group_join_request_created": "group_participants_update",
        "group_join_request_revoked": "group_participants_update",
        "group_settings_update": "group_settings_update",
        "group_suspend": "group_status_update",
        "group_suspend_cleared": "group_status_update",
    }
    for delivery in got:
        assert delivery.field == fields[delivery.event["type"]]

    [create] = of_type(got, "group_create")
    assert create.event["request_id"] == group["request_id"]
    assert create.event["subject"] == "Café crème"
    assert b"Caf\\u00e9 cr\\u00e8me" in create.body  # ASCII-escaped, as Meta signs it
    assert create.event["invite_link"] == group["invite_link"]
    assert create.event["join_approval_mode"] == "approval_required"

    created = of_type(got, "group_join_request_created")
    assert {d.event["wa_id"] for d in created} == {"15550100001", "15550100002"}
    first = next(d.event for d in created if d.event["wa_id"] == "15550100001")
    assert first["join_request_id"] == asked["join_request_id"] and first["user_id"]
    [revoked] = of_type(got, "group_join_request_revoked")
    assert revoked.event["wa_id"] == "15550100002" and revoked.event["reason"]

    adds = sorted(of_type(got, "group_participants_add"), key=lambda d: d.received_at)
    approved_add = next(
        d for d in adds if d.event["added_participants"][0]["wa_id"] == "15550100001"
    )
    assert approved_add.event["reason"] == "invite_link"
    assert approved_add.event["added_participants"][0]["input"] == "15550100001"
    assert approved_add.event["added_participants"][0]["user_id"].startswith("US.")

    [settings] = of_type(got, "group_settings_update")
    assert settings.event["group_subject"] == {"text": "Tea", "update_successful": True}
    assert settings.event["group_description"] == {"text": "Hot", "update_successful": True}
    assert settings.event["request_id"]

    removes = {d.event["initiated_by"]: d.event for d in of_type(got, "group_participants_remove")}
    assert removes["participant"]["removed_participants"][0]["wa_id"] == "15550100003"
    assert removes["business"]["request_id"] == remove.json()["request_id"]
    assert removes["business"]["removed_participants"][0]["input"] == "+1 555 010 0001"

    [delete] = of_type(got, "group_delete")
    assert delete.event["request_id"] == deleted["request_id"]


def test_failed_changes_and_rejections_send_nothing(
    api: httpx.Client, biz: Business, receiver: Receiver
) -> None:
    subscribe(api, biz, receiver)
    group = create_group(api, biz, join_approval_mode="approval_required")
    asked = join(biz, group["code"], "15550200001").json()
    api.request(
        "DELETE",
        f"/{group['id']}/join_requests",
        json={"messaging_product": "whatsapp", "join_requests": [asked["join_request_id"]]},
    )
    # A removal that fails (not a participant) changes nothing and announces nothing.
    failed = api.request(
        "DELETE",
        f"/{group['id']}/participants",
        json={"messaging_product": "whatsapp", "participants": [{"user": "15550200009"}]},
    )
    assert failed.json()["error"]["code"] == 131212
    marker = create_group(api, biz, subject="marker")
    got = receiver.wait_for(lambda ds: any(d.event.get("subject") == "marker" for d in ds))
    kinds = [d.event["type"] for d in got]
    assert kinds.count("group_create") == 2
    assert kinds.count("group_join_request_created") == 1
    assert "group_participants_remove" not in kinds  # the failed removal
    assert marker["id"] in {d.event["group_id"] for d in got}


def test_a_receiver_down_for_a_while_gets_everything_once_it_is_back(
    fast_server: Server, receiver: Receiver
) -> None:
    biz = make_business(fast_server.database_url, fast_server.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=TIMEOUT_S) as api:
        subscribe(api, biz, receiver)
        receiver.status = 503  # up for the handshake, then failing
        made = [create_group(api, biz, subject=f"g{n}")["id"] for n in range(5)]
        port = receiver.port
        receiver.stop()  # and then down altogether
        receiver.status = 200
        # Back only once an attempt has failed (a 503 or a refused connection), not
        # after a sleep that a busy machine may spend before the worker tried at all.
        deadline = time.monotonic() + 30
        url = f"/{biz.business_id}/webhook_deliveries"
        while time.monotonic() < deadline:
            pending = api.get(url, params={"state": "pending"}).json()["data"]
            if any(d["attempts"] >= 1 for d in pending):
                break
            time.sleep(0.1)
        receiver.start(port)
        got = receiver.wait_for(lambda ds: len(ds) >= 5)
        assert sorted(d.event["group_id"] for d in got) == sorted(made)
        # Failed attempts were recorded and retries kept one event id. The last
        # answer is recorded just after the receiver got the body: wait for it.
        deadline = time.monotonic() + 10
        while True:
            log = api.get(f"/{biz.business_id}/webhook_deliveries").json()["data"]
            if all(d["state"] == "delivered" for d in log) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert all(d["state"] == "delivered" for d in log), log
        assert any(d["attempts"] > 1 for d in log)
        retried = next(d for d in log if d["attempts"] > 1)
        assert retried["attempt_log"][0]["status_code"] in (503, None)
        assert retried["attempt_log"][-1]["status_code"] == 200
        ids = [d.headers["X-Grouplink-Event-Id"] for d in got]
        assert sorted(ids) == sorted(d["event_id"] for d in log)


def test_dead_letter_after_the_retry_window_then_redeliver(
    fast_server: Server, receiver: Receiver
) -> None:
    biz = make_business(fast_server.database_url, fast_server.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=TIMEOUT_S) as api:
        subscribe(api, biz, receiver)
        receiver.delay_s = 2.0  # slower than the timeout: every attempt times out
        group = create_group(api, biz, subject="slow")
        url = f"/{biz.business_id}/webhook_deliveries"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until it has failed once
            tried = api.get(url, params={"state": "pending"}).json()["data"]
            if tried and tried[0]["attempts"] >= 1:
                break
            time.sleep(0.1)
        # As if its retry window (an hour) had passed: the next failure is its last.
        age_retry_window(fast_server.database_url, biz.business_id, hours=2)
        deadline = time.monotonic() + 30  # a window of its own, whatever the first took
        while time.monotonic() < deadline:
            dead = api.get(url, params={"state": "dead"}).json()["data"]
            if dead:
                break
            time.sleep(0.1)
        [dead_one] = dead
        assert dead_one["type"] == "group_create" and dead_one["attempts"] >= 1
        assert "timed out" in dead_one["attempt_log"][0]["error"]
        receiver.delay_s = 0
        answer = api.post(f"{url}/redeliver", json={})
        assert answer.json() == {"success": True, "redelivered": 1}

        def attempt(number: int) -> Delivery:
            # Timed-out attempts may still land at the receiver: pick by attempt number.
            got = receiver.wait_for(
                lambda ds: any(d.headers["X-Grouplink-Attempt"] == str(number) for d in ds)
            )
            return next(d for d in got if d.headers["X-Grouplink-Attempt"] == str(number))

        redelivered = attempt(dead_one["attempts"] + 1)
        assert redelivered.event["group_id"] == group["id"]
        assert redelivered.headers["X-Grouplink-Event-Id"] == dead_one["event_id"]
        # Redelivering a delivered event by id sends it once more: same id, same bytes.
        # (Once its answer is recorded: a delivery being sent is skipped.)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            states = api.get(url, params={"state": "delivered"}).json()["data"]
            if any(d["event_id"] == dead_one["event_id"] for d in states):
                break
            time.sleep(0.1)
        again = api.post(f"{url}/redeliver", json={"event_ids": [dead_one["event_id"]]})
        assert again.json()["redelivered"] == 1
        assert attempt(dead_one["attempts"] + 2).body == redelivered.body
