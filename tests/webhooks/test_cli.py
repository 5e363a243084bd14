"""Webhooks from the command line: subscribe, list, deliveries, redeliver,
unsubscribe, and rotating the app secret that signs deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from tests.conftest import Server
from tests.receiver import Receiver
from tests.support import TIMEOUT_S, Business, create_group
from tests.test_cli import cli
from tests.webhooks.conftest import age_retry_window


def test_webhooks_by_cli_and_secret_rotation(fast_server: Server, receiver: Receiver) -> None:
    srv = fast_server
    made = json.loads(cli(srv, "demo", "--json").stdout)
    business = made["business_id"]
    refused = cli(srv, "webhooks", "subscribe", business, receiver.url, "--verify-token", "wrong")
    assert refused.returncode != 0 and "403" in refused.stderr
    ok = cli(
        srv,
        "webhooks",
        "subscribe",
        business,
        receiver.url,
        "--verify-token",
        receiver.verify_token,
        "--fields",
        "group_lifecycle_update",
    )
    assert ok.returncode == 0, ok.stderr
    listed = [
        json.loads(line) for line in cli(srv, "webhooks", "list", business).stdout.splitlines()
    ]
    assert listed == [{"callback_url": receiver.url, "fields": ["group_lifecycle_update"]}]

    biz = Business(
        business, made["phone_number_id"], made["token"], made["app_secret"], made["base_url"]
    )
    biz_api = httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=TIMEOUT_S)
    create_group(biz_api, biz, subject="first")
    [first] = receiver.wait_for(lambda ds: len(ds) >= 1)
    expected = hmac.new(made["app_secret"].encode(), first.body, hashlib.sha256).hexdigest()
    assert first.headers["X-Hub-Signature-256"] == f"sha256={expected}"

    rotated = cli(srv, "secret", "rotate", business)
    new_secret = rotated.stdout.strip()
    assert rotated.returncode == 0 and new_secret and new_secret != made["app_secret"]
    create_group(biz_api, biz, subject="second")
    second = receiver.wait_for(lambda ds: len(ds) >= 2)[1]
    expected = hmac.new(new_secret.encode(), second.body, hashlib.sha256).hexdigest()
    assert second.headers["X-Hub-Signature-256"] == f"sha256={expected}"

    receiver.status = 500
    create_group(biz_api, biz, subject="third")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until it has failed once
        tried = biz_api.get(f"/{business}/webhook_deliveries", params={"state": "pending"})
        if any(d["attempts"] >= 1 for d in tried.json()["data"]):
            break
        time.sleep(0.1)
    age_retry_window(srv.database_url, business, hours=2)  # its next failure is its last
    while time.monotonic() < deadline:
        state = biz_api.get(f"/{business}/webhook_deliveries", params={"state": "dead"}).json()
        if state["data"]:
            break
        time.sleep(0.2)
    out = cli(srv, "webhooks", "deliveries", business, "--state", "dead").stdout
    dead = [json.loads(line) for line in out.splitlines()]
    [third] = dead
    assert third["attempt_log"][0]["status_code"] == 500
    receiver.status = 200
    again = cli(srv, "webhooks", "redeliver", business)
    assert again.returncode == 0 and "queued 1 delivery" in again.stderr
    got = receiver.wait_for(lambda ds: len(ds) >= 3)
    assert got[2].event["subject"] == "third"

    gone = cli(srv, "webhooks", "unsubscribe", business, receiver.url)
    assert gone.returncode == 0 and "removed 1 subscription" in gone.stderr
    assert cli(srv, "webhooks", "list", business).stdout == ""
    biz_api.close()
