"""GET /{group_id}/audit_log: every change to a group is there, with its door and actor.

One story per backend performs each change that exists today through the Graph API
and the sandbox (the console's own are in tests/web/test_console_audit.py), then
reads the log back: in order, with actors, targets and details, filtered, paged,
refused to anyone else, still readable once the group is deleted; reads add nothing.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from grouplink.services import businesses
from tests.conftest import Server
from tests.graph.helpers import (
    WHATSAPP,
    ask,
    assert_envelope,
    cancel,
    http,
    joined,
    leave,
    participants_of,
    phone,
    reset_link,
    sandbox_post,
)
from tests.graph.links_support import (
    audit_actions,
    edit_link,
    make_rotation_due,
    new_link,
    revoke,
)
from tests.receiver import Receiver
from tests.support import TIMEOUT_S, Business, create_group, make_business, with_core

# What the story below does, oldest first: (action, door, actor type).
STORY = [
    ("group.create", "graph", "business"),
    ("group.update", "graph", "business"),  # rotation every 7 days
    ("link.rotate", "system", "system"),
    ("link.create", "graph", "business"),
    ("link.update", "graph", "business"),
    ("participants.add", "sandbox", "participant"),  # phone 1 joins through the poster
    ("group.update", "graph", "business"),  # approval required
    ("join_request.create", "sandbox", "participant"),
    ("join_request.cancel", "sandbox", "participant"),
    ("join_request.create", "sandbox", "participant"),
    ("participants.add", "graph", "business"),  # approving phone 3 lets them in
    ("join_request.approve", "graph", "business"),
    ("join_request.create", "sandbox", "participant"),
    ("join_request.reject", "graph", "business"),
    ("participants.promote", "sandbox", "business"),
    ("participants.demote", "sandbox", "business"),
    ("participants.leave", "sandbox", "participant"),
    ("participants.remove", "graph", "business"),
    ("participants.ban", "graph", "business"),  # a removed person cannot come back
    ("link.revoke", "graph", "business"),
    ("link.reset", "graph", "business"),
    ("link.delete", "graph", "business"),
    ("group.suspend", "sandbox", "business"),
    ("group.unsuspend", "sandbox", "business"),
]


def read_log(api: httpx.Client, group_id: str, **params: Any) -> dict[str, Any]:
    answer = api.get(f"/{group_id}/audit_log", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def entries(api: httpx.Client, group_id: str, **params: Any) -> list[dict[str, Any]]:
    return list(read_log(api, group_id, limit=1024, **params)["data"])


def wait_for(api: httpx.Client, group_id: str, action: str) -> None:
    deadline = time.monotonic() + 10
    while not entries(api, group_id, action=action):
        assert time.monotonic() < deadline, f"no {action} in the log"
        time.sleep(0.1)


def perform_the_story(api: httpx.Client, biz: Business, server: Server) -> dict[str, Any]:
    """Each change of STORY, in order; what the checks need to know of them."""
    group = create_group(api, biz, subject="Hiking club")
    gid = group["id"]
    assert api.post(f"/{gid}", json={**WHATSAPP, "invite_link_rotation_days": 7}).is_success
    make_rotation_due(server.database_url, gid)
    wait_for(api, gid, "link.rotate")
    poster = new_link(api, gid, name="Poster")
    edit_link(api, gid, poster["id"], name="Poster at the library")
    joined(biz, poster["code"], phone(1))
    user_1 = participants_of(api, gid)[0]["user_id"]
    mode = {**WHATSAPP, "join_approval_mode": "approval_required"}
    assert api.post(f"/{gid}", json=mode).is_success
    ask(biz, poster["code"], phone(2))
    assert cancel(biz, poster["code"], phone(2)).is_success
    approved = ask(biz, poster["code"], phone(3))
    body = {**WHATSAPP, "join_requests": [approved]}
    assert api.post(f"/{gid}/join_requests", json=body).is_success
    rejected = ask(biz, poster["code"], phone(4))
    body = {**WHATSAPP, "join_requests": [rejected]}
    assert api.request("DELETE", f"/{gid}/join_requests", json=body).is_success
    admins = f"{biz.root}/sandbox/groups/{gid}/admins"
    assert http().post(admins, json={"wa_id": phone(1)}, headers=biz.auth).is_success
    demote = http().request("DELETE", admins, json={"wa_id": phone(1)}, headers=biz.auth)
    assert demote.is_success, demote.text
    assert leave(biz, gid, phone(3)).is_success
    body = {**WHATSAPP, "participants": [{"user": phone(1)}]}
    assert api.request("DELETE", f"/{gid}/participants", json=body).is_success
    revoke(api, gid, poster["id"])
    reset_link(api, gid)
    assert api.request("DELETE", f"/{gid}/invite_link", json=WHATSAPP).is_success
    assert sandbox_post(biz, f"groups/{gid}/suspend").is_success
    assert sandbox_post(biz, f"groups/{gid}/unsuspend").is_success
    return {"id": gid, "poster": poster["id"], "approved": approved, "user_1": user_1}


def test_every_change_is_in_the_log_with_its_door_actor_and_target(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    started = int(time.time())
    token_id = with_core(
        server.database_url, lambda core: businesses.token_owner(core, biz.token)
    ).token_id
    story = perform_the_story(api, biz, server)
    gid = story["id"]

    log = entries(api, gid)
    assert [(e["action"], e["door"], e["actor"]["type"]) for e in log] == STORY[::-1]
    assert len({e["id"] for e in log}) == len(log) and all(isinstance(e["id"], str) for e in log)
    assert all(started <= e["timestamp"] <= time.time() + 1 for e in log)
    assert [e["timestamp"] for e in log] == sorted((e["timestamp"] for e in log), reverse=True)
    by_action = {e["action"]: e for e in log}  # the oldest of each action (log: newest first)
    business = {"type": "business", "token_id": token_id}
    assert by_action["group.create"]["actor"] == business
    assert by_action["group.create"]["target"] == {"type": "group", "id": gid}
    assert by_action["group.create"]["details"] == {"subject": "Hiking club"}
    assert by_action["link.rotate"]["actor"] == {"type": "system"}
    assert by_action["link.update"]["target"] == {"type": "invite_link", "id": story["poster"]}
    assert by_action["link.update"]["details"] == {"name": "Poster at the library"}
    joining = by_action["participants.add"]
    assert joining["actor"] == {
        "type": "participant",
        "user_id": story["user_1"],
        "wa_id": phone(1),
    }
    assert joining["target"] == {
        "type": "participants",
        "wa_ids": [phone(1)],
        "invite_link_id": story["poster"],
    }
    assert by_action["join_request.approve"]["target"] == {
        "type": "join_requests",
        "ids": [story["approved"]],
        "invite_link_id": story["poster"],
    }
    for action, wa_id in (("participants.leave", phone(3)), ("participants.remove", phone(1))):
        target = by_action[action]["target"]
        assert target["type"] == "participants" and target["wa_ids"] == [wa_id], target
        assert target.get("invite_link_id") == story["poster"], target  # the link they came by
    assert by_action["link.reset"]["details"]["scope"] == "all"

    # Filters: one action, a family (two spellings), a door; an unknown name lists the known.
    assert [e["action"] for e in entries(api, gid, action="link.update")] == ["link.update"]
    links = [a for a, _, _ in STORY[::-1] if a.startswith("link.")]
    assert [e["action"] for e in entries(api, gid, action="link")] == links
    assert [e["action"] for e in entries(api, gid, action="link.*")] == links
    sandbox = [a for a, door, _ in STORY[::-1] if door == "sandbox"]
    assert [e["action"] for e in entries(api, gid, door="sandbox")] == sandbox
    error = assert_envelope(api.get(f"/{gid}/audit_log", params={"action": "link.nuke"}), 400, 100)
    assert "link.reset" in error["error_data"]["details"]
    assert "participants.ban" in error["error_data"]["details"]
    assert_envelope(api.get(f"/{gid}/audit_log", params={"door": "web"}), 400, 100)

    # Paging: newest first in pages of 5, back and forth; a cursor is bound to its filter.
    pages, url = [], f"/{gid}/audit_log?limit=5"
    while url:
        answer = api.get(url)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        url = answer.json()["paging"].get("next", "")
    assert [e["id"] for p in pages for e in p["data"]] == [e["id"] for e in log]
    previous = api.get(pages[1]["paging"]["previous"]).json()
    assert previous["data"] == pages[0]["data"]
    after = read_log(api, gid, action="link", limit=2)["paging"]["cursors"]["after"]
    assert_envelope(api.get(f"/{gid}/audit_log", params={"after": after}), 400, 131059)

    # Reads add nothing; another business does not see the group at all.
    for path in ("", "/invite_links", "/join_requests", "/audit_log", "/audit_log?action=link"):
        assert api.get(f"/{gid}{path}").status_code == 200
    assert len(entries(api, gid)) == len(STORY)
    other = make_business(server.database_url, server.graph)
    with httpx.Client(base_url=other.graph, headers=other.auth, timeout=TIMEOUT_S) as theirs:
        assert_envelope(theirs.get(f"/{gid}/audit_log"), 400, 131041)

    # Webhook changes belong to the business, not to a group: written, never in a group's log.
    receiver = Receiver().start()
    try:
        hook = {
            "object": "whatsapp_business_account",
            "callback_url": receiver.url,
            "verify_token": receiver.verify_token,
            "fields": "group_lifecycle_update",
        }
        assert api.post(f"/{biz.business_id}/subscriptions", data=hook).is_success
        redeliver = f"/{biz.business_id}/webhook_deliveries/redeliver"
        assert api.post(redeliver, json={}).is_success
        assert api.request("DELETE", f"/{biz.business_id}/subscriptions").is_success
    finally:
        receiver.stop()
    hooks = [a for a in audit_actions(server.database_url, biz.business_id) if "webhook" in a[0]]
    assert hooks == [
        (f"webhook.{verb}", "graph", f"business:{biz.business_id}")
        for verb in ("subscribe", "redeliver", "unsubscribe")
    ]

    # A deleted group's log stays readable by its business (every other call: 131041).
    assert api.request("DELETE", f"/{gid}", json=WHATSAPP).is_success
    assert_envelope(api.get(f"/{gid}"), 400, 131041)
    after_delete = entries(api, gid)
    assert after_delete[0]["action"] == "group.delete" and after_delete[1:] == log
