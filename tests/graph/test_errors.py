"""WIRE.md "Errors" and tenant isolation over real HTTP.

Every non-2xx answer, from every route, is the Graph envelope; a token sees only
its own business, and another business's objects answer exactly like unknown ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx

from grouplink.services import businesses
from grouplink.services.core import Core
from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from tests.conftest import Server
from tests.graph.helpers import (
    WHATSAPP,
    approval_group,
    ask,
    assert_envelope,
    cancel,
    group_fields,
    http,
    join,
    joined,
    pending_of,
    phone,
)
from tests.support import TIMEOUT_S, Business, create_group, make_business

UNKNOWN_GROUP = "NoSuchGroup0000000000000"
SEVEN_MIB = 7 * 1024 * 1024


def revoke(server: Server, token: str) -> None:
    async def run() -> bool:
        db = Database(normalize_database_url(server.database_url), pool_size=1)
        try:
            return await businesses.revoke_token(Core(db=db, link_base=""), token)
        finally:
            await db.dispose()

    assert asyncio.run(run())


def routes(biz: Business, group_id: str, code: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Each route of WIRE.md, the sandbox helpers and the webhook listings, with a valid body."""
    g, root = biz.graph, biz.root
    person = {"json": {"wa_id": phone(1)}}
    return [
        ("GET", f"{g}/{biz.phone_number_id}/groups", {}),
        ("POST", f"{g}/{biz.phone_number_id}/groups", {"json": {**WHATSAPP, "subject": "x"}}),
        ("GET", f"{g}/{group_id}", {"params": {"fields": "subject"}}),
        ("POST", f"{g}/{group_id}", {"json": {**WHATSAPP, "subject": "Changed"}}),
        ("DELETE", f"{g}/{group_id}", {}),
        ("GET", f"{g}/{group_id}/invite_link", {}),
        ("POST", f"{g}/{group_id}/invite_link", {"json": WHATSAPP}),
        ("DELETE", f"{g}/{group_id}/invite_link", {"json": WHATSAPP}),
        ("GET", f"{g}/{group_id}/join_requests", {}),
        ("POST", f"{g}/{group_id}/join_requests", {"json": {**WHATSAPP, "join_requests": ["x"]}}),
        (
            "DELETE",
            f"{g}/{group_id}/join_requests",
            {"json": {**WHATSAPP, "join_requests": ["x"]}},
        ),
        (
            "DELETE",
            f"{g}/{group_id}/participants",
            {"json": {**WHATSAPP, "participants": [{"user": phone(1)}]}},
        ),
        (
            "POST",
            f"{g}/{group_id}/participants",
            {"json": {**WHATSAPP, "participants": [{"user": phone(1)}]}},
        ),
        ("GET", f"{g}/{group_id}/invite_links", {}),
        ("POST", f"{g}/{group_id}/invite_links", {"json": {**WHATSAPP, "name": "x"}}),
        ("GET", f"{g}/{group_id}/invite_links/AnyLinkId", {}),
        ("POST", f"{g}/{group_id}/invite_links/AnyLinkId", {"json": {**WHATSAPP, "name": "x"}}),
        ("DELETE", f"{g}/{group_id}/invite_links/AnyLinkId", {"json": WHATSAPP}),
        ("POST", f"{root}/sandbox/invites/{code}/join", person),
        ("POST", f"{root}/sandbox/invites/{code}/cancel", person),
        ("POST", f"{root}/sandbox/groups/{group_id}/leave", person),
        ("POST", f"{root}/sandbox/groups/{group_id}/suspend", {}),
        ("POST", f"{root}/sandbox/groups/{group_id}/unsuspend", {}),
        ("GET", f"{g}/{biz.business_id}/subscriptions", {}),
        ("GET", f"{g}/{biz.business_id}/webhook_deliveries", {}),
    ]


def graph_routes(biz: Business, group_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    return (r for r in routes(biz, group_id, "x" * 22) if r[1].startswith(biz.graph))


def call(method: str, url: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
    return http().request(method, url, headers=headers, **kwargs)


def assert_group_intact(api: httpx.Client, biz: Business, group: dict[str, Any]) -> None:
    info = group_fields(api, group["id"], "subject,participants")
    assert info["subject"] == "Test group"
    assert [p["wa_id"] for p in info["participants"]] == [phone(1)]
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == group["invite_link"]


def live_group(api: httpx.Client, biz: Business) -> dict[str, Any]:
    group = create_group(api, biz)
    joined(biz, group["code"], phone(1))
    return group


def test_missing_token_is_104_on_every_route(api: httpx.Client, biz: Business) -> None:
    group = live_group(api, biz)
    for method, url, kwargs in routes(biz, group["id"], group["code"]):
        assert_envelope(call(method, url, {}, **kwargs), 401, 104)
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer"}):
        assert_envelope(call("GET", f"{biz.graph}/{group['id']}", headers), 401, 104)
    assert_group_intact(api, biz, group)


def test_bad_token_is_190_on_every_route(api: httpx.Client, biz: Business) -> None:
    group = live_group(api, biz)
    for method, url, kwargs in routes(biz, group["id"], group["code"]):
        answer = call(method, url, {"Authorization": "Bearer gl_notatoken"}, **kwargs)
        assert_envelope(answer, 401, 190)
    assert_group_intact(api, biz, group)


def test_revoked_token_is_190(server: Server) -> None:
    biz = make_business(server.database_url, server.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
        group = live_group(api, biz)
    revoke(server, biz.token)
    for method, url, kwargs in routes(biz, group["id"], group["code"]):
        assert_envelope(call(method, url, biz.auth, **kwargs), 401, 190)
    # The group is still there for a fresh token of the same business.
    fresh = asyncio.run(_new_token(server, biz.business_id))
    with httpx.Client(
        base_url=biz.graph, headers={"Authorization": f"Bearer {fresh}"}, timeout=TIMEOUT_S
    ) as api:
        assert_group_intact(api, biz, group)


async def _new_token(server: Server, business_id: str) -> str:
    db = Database(normalize_database_url(server.database_url), pool_size=1)
    try:
        return (await businesses.create_token(Core(db=db, link_base=""), business_id)).token
    finally:
        await db.dispose()


def test_bad_version_segment_is_100_and_changes_nothing(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = live_group(api, biz)
    for version in ("23.0", "vX"):
        wrong = Business(
            biz.business_id, biz.phone_number_id, biz.token, "", f"{server.base_url}/{version}"
        )
        for method, url, kwargs in graph_routes(wrong, group["id"]):
            assert_envelope(call(method, url, biz.auth, **kwargs), 400, 100)
    for version in ("v23", "V23.0", "v23.0.1", "v23.x"):
        answer = call("GET", f"{server.base_url}/{version}/{group['id']}", biz.auth)
        assert_envelope(answer, 400, 100)
    assert_group_intact(api, biz, group)
    for version in ("v1.0", "v99.9"):  # any v<major>.<minor> is accepted
        answer = http().get(f"{server.base_url}/{version}/{group['id']}", headers=biz.auth)
        assert answer.status_code == 200, (version, answer.text)


def test_unknown_paths_answer_the_envelope(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = live_group(api, biz)
    for method, path in (
        ("GET", f"/v23.0/{group['id']}/members"),
        ("POST", f"/v23.0/{group['id']}/invite_link/extra"),
        ("GET", "/v23.0/a/b/c/d"),
        ("DELETE", "/sandbox/nothing/here/at/all"),
    ):
        answer = call(method, server.base_url + path, biz.auth)
        assert answer.status_code in (400, 404), (path, answer.text)
        assert_envelope(answer, answer.status_code)


def test_wrong_method_answers_405_in_the_envelope(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = live_group(api, biz)
    g = f"{server.base_url}/v23.0"
    # Each says, in Allow, every method its path takes (RFC 9110, 15.5.6).
    for method, url, allowed in (
        ("PUT", f"{g}/{group['id']}", "DELETE, GET, POST"),
        ("PATCH", f"{g}/{group['id']}", "DELETE, GET, POST"),
        ("PUT", f"{g}/{group['id']}/invite_link", "DELETE, GET, POST"),
        ("GET", f"{g}/{group['id']}/participants", "DELETE, POST"),
        ("PATCH", f"{g}/{group['id']}/join_requests", "DELETE, GET, POST"),
        ("DELETE", f"{g}/{biz.phone_number_id}/groups", "GET, POST"),
        ("GET", f"{server.base_url}/sandbox/invites/{group['code']}/join", "POST"),
    ):
        answer = call(method, url, biz.auth)
        assert_envelope(answer, 405)
        assert answer.headers["allow"] == allowed, (method, url)
    assert_group_intact(api, biz, group)


def test_malformed_and_non_object_bodies_are_100(api: httpx.Client, biz: Business) -> None:
    group = live_group(api, biz)
    writes = [r for r in routes(biz, group["id"], group["code"]) if "json" in r[2]]
    json_headers = {**biz.auth, "Content-Type": "application/json"}
    for method, url, _kwargs in writes:
        for raw in (b"{not json", b'["whatsapp"]'):
            assert_envelope(call(method, url, json_headers, content=raw), 400, 100)
    create = f"{biz.graph}/{biz.phone_number_id}/groups"
    for raw in (b'{"messaging_product": "whatsapp",', b"[]", b'"x"', b"7", b"\xff\xfe"):
        assert_envelope(call("POST", create, json_headers, content=raw), 400, 100)
    assert_group_intact(api, biz, group)


def test_oversized_bodies_answer_413_in_the_envelope(api: httpx.Client, biz: Business) -> None:
    group = live_group(api, biz)
    url = f"{biz.graph}/{biz.phone_number_id}/groups"
    big = b'{"messaging_product":"whatsapp","subject":"big","description":"' + b"d" * SEVEN_MIB
    headers = {**biz.auth, "Content-Type": "application/json"}

    with_length = call("POST", url, headers, content=big + b'"}')
    assert_envelope(with_length, 413)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 256 * 1024):
            yield big[start : start + 256 * 1024]
        yield b'"}'

    chunked = call("POST", url, headers, content=chunks())
    assert_envelope(chunked, 413)
    sandbox = call(
        "POST", f"{biz.root}/sandbox/invites/{group['code']}/join", headers, content=big + b'"}'
    )
    assert_envelope(sandbox, 413)
    listed = api.get(f"/{biz.phone_number_id}/groups").json()["data"]["groups"]
    assert [g["id"] for g in listed] == [group["id"]]
    assert [p["wa_id"] for p in group_fields(api, group["id"], "participants")["participants"]] == [
        phone(1)
    ]


def test_bad_limits_are_100(api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz)
    for path in (f"/{biz.phone_number_id}/groups", f"/{group['id']}/join_requests"):
        for limit in ("0", "2000", "abc", "-1", "1.5"):
            assert_envelope(api.get(path, params={"limit": limit}), 400, 100)
        for limit in ("1", "1024"):
            assert api.get(path, params={"limit": limit}).status_code == 200


def test_each_error_has_its_own_trace_id(api: httpx.Client, biz: Business) -> None:
    first = assert_envelope(api.get(f"/{UNKNOWN_GROUP}"), 400, 131041)
    second = assert_envelope(api.get(f"/{UNKNOWN_GROUP}"), 400, 131041)
    assert first["fbtrace_id"] != second["fbtrace_id"]


def test_ids_with_odd_characters_are_refused_or_unknown(api: httpx.Client, biz: Business) -> None:
    """No group id contains a NUL or an emoji: a NUL is refused as text (100), like every
    control character anywhere; a group with an emoji is unknown (131041); never a fault."""
    for path in (f"/{UNKNOWN_GROUP}%00", f"/{UNKNOWN_GROUP}%00/invite_link"):
        assert_envelope(api.get(path), 400, 100)
    assert_envelope(api.get("/%F0%9F%98%80"), 400, 131041)


def test_text_that_cannot_be_stored_is_refused_not_a_fault(
    api: httpx.Client, biz: Business
) -> None:
    """A NUL is refused with 100 on both backends; a lone surrogate is not text: 100."""
    url = f"/{biz.phone_number_id}/groups"
    headers = {"Content-Type": "application/json"}
    with_nul = api.post(
        url, content=rb'{"messaging_product":"whatsapp","subject":"a\u0000b"}', headers=headers
    )
    assert_envelope(with_nul, 400, 100)
    surrogate = api.post(
        url, content=rb'{"messaging_product":"whatsapp","subject":"\ud800"}', headers=headers
    )
    assert_envelope(surrogate, 400, 100)
    description = api.post(
        url,
        content=rb'{"messaging_product":"whatsapp","subject":"ok","description":"\udc00"}',
        headers=headers,
    )
    assert_envelope(description, 400, 100)
    # A join request id with a NUL is no id at all: refused (100).
    group = approval_group(api, biz)
    answer = api.post(
        f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": ["bad\u0000id"]}
    )
    assert_envelope(answer, 400, 100)


# --- tenant isolation -----------------------------------------------------------------------


def _same_answer(mine: httpx.Response, unknown: httpx.Response, real_id: str) -> None:
    """Same status, code, message, and details up to the id itself."""
    assert mine.status_code == unknown.status_code, (mine.text, unknown.text)
    a, b = mine.json()["error"], unknown.json()["error"]
    assert a["code"] == b["code"] and a["message"] == b["message"], (a, b)
    assert a["error_data"]["details"].replace(real_id, "ID") == b["error_data"]["details"].replace(
        UNKNOWN_GROUP, "ID"
    ), (a, b)


def test_another_business_sees_a_group_as_unknown(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz)
    pending = ask(biz, group["code"], phone(2))
    # Approve one person so the group has a participant.
    approved = api.post(
        f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": [pending]}
    )
    assert approved.status_code == 200, approved.text
    waiting = ask(biz, group["code"], phone(3))
    user_id = group_fields(api, group["id"], "participants")["participants"][0]["user_id"]

    other = make_business(server.database_url, server.graph)
    for method, url, kwargs in graph_routes(other, group["id"]):
        if group["id"] not in url:
            continue
        if "participants" in url and method == "DELETE":
            kwargs = {"json": {**WHATSAPP, "participants": [{"user_id": user_id}]}}
        if "join_requests" in url and method != "GET":
            kwargs = {"json": {**WHATSAPP, "join_requests": [waiting]}}
        mine = call(method, url, other.auth, **kwargs)
        unknown = call(method, url.replace(group["id"], UNKNOWN_GROUP), other.auth, **kwargs)
        assert_envelope(mine, mine.status_code)
        assert_envelope(unknown, unknown.status_code)
        _same_answer(mine, unknown, group["id"])
        if method != "POST" or not url.endswith("/participants"):
            assert mine.json()["error"]["code"] == 131041, (method, url)

    for helper in ("leave", "suspend", "unsuspend"):
        person = {"json": {"wa_id": phone(2)}}
        mine = call(
            "POST", f"{other.root}/sandbox/groups/{group['id']}/{helper}", other.auth, **person
        )
        unknown = call(
            "POST", f"{other.root}/sandbox/groups/{UNKNOWN_GROUP}/{helper}", other.auth, **person
        )
        assert_envelope(mine, 400, 131041)
        _same_answer(mine, unknown, group["id"])

    # A's group is untouched: same subject, participant, link and pending request.
    info = group_fields(api, group["id"], "subject,participants,suspended")
    assert (info["subject"], info["suspended"]) == ("Test group", False)
    assert [p["wa_id"] for p in info["participants"]] == [phone(2)]
    assert api.get(f"/{group['id']}/invite_link").json()["invite_link"] == group["invite_link"]
    assert [r["join_request_id"] for r in pending_of(api, group["id"])] == [waiting]


def test_another_business_cannot_list_a_phone_numbers_groups(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    create_group(api, biz)
    other = make_business(server.database_url, server.graph)
    unknown_number = "100000000000001"
    for method, kwargs in (("GET", {}), ("POST", {"json": {**WHATSAPP, "subject": "Intruder"}})):
        mine = call(method, f"{other.graph}/{biz.phone_number_id}/groups", other.auth, **kwargs)
        unknown = call(method, f"{other.graph}/{unknown_number}/groups", other.auth, **kwargs)
        assert_envelope(mine, mine.status_code)
        assert_envelope(unknown, unknown.status_code)
        assert mine.status_code == unknown.status_code
        a, b = mine.json()["error"], unknown.json()["error"]
        assert (a["code"], a["message"]) == (b["code"], b["message"])
        assert a["error_data"]["details"].replace(biz.phone_number_id, "N") == b["error_data"][
            "details"
        ].replace(unknown_number, "N")
    subjects = [
        g["subject"] for g in api.get(f"/{biz.phone_number_id}/groups").json()["data"]["groups"]
    ]
    assert subjects == ["Test group"]


def test_another_business_cannot_use_a_groups_invite_code(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz)
    ask(biz, group["code"], phone(1))
    other = make_business(server.database_url, server.graph)
    never = "B" * 22
    for helper in (join, cancel):
        mine = helper(other, group["code"], phone(1))
        unknown = helper(other, never, phone(1))
        assert_envelope(mine, 400, 100)
        assert mine.status_code == unknown.status_code
        assert mine.json()["error"]["code"] == unknown.json()["error"]["code"]
        mine_details = mine.json()["error"]["error_data"]["details"]
        unknown_details = unknown.json()["error"]["error_data"]["details"]
        assert mine_details.replace(group["code"], "C") == unknown_details.replace(never, "C")
    # The request through A's link is still pending and nobody joined.
    assert [r["wa_id"] for r in pending_of(api, group["id"])] == [phone(1)]
    assert group_fields(api, group["id"], "participants")["participants"] == []
