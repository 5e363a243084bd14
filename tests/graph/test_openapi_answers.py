"""/openapi.json declares every answer as the server really gives it, so that clients
generated from the document read real answers: each operation of the Graph API and
of the sandbox helpers is called for real, and every answer (200, 206, errors) must
validate against the schema the document declares for that operation and status,
closed against undeclared keys. Every operation declares the Graph error envelope
and the bearer scheme."""

from __future__ import annotations

import copy
import importlib
import pkgutil
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

import grouplink.graph
from grouplink.domain.groups import DESCRIPTION_MAX, SUBJECT_MAX
from grouplink.domain.join_requests import MAX_DECISIONS
from grouplink.domain.messages import TEXT_MAX
from grouplink.domain.people import MAX_PER_CALL
from grouplink.domain.questions import ANSWER_MAX, MAX_QUESTIONS, QUESTION_MAX
from tests.conftest import Server
from tests.graph.helpers import WHATSAPP, phone
from tests.graph.openapi_support import Answer, Recorder, check, operation_of, problems
from tests.meta_schemas import check_response
from tests.receiver import Receiver
from tests.support import TIMEOUT_S, Business

FIELDS = (
    "subject,description,participants,join_approval_mode,suspended,creation_timestamp,"
    "total_participant_count,link_managers,invite_links_paused_until,"
    "invite_link_rotation_days,join_questions"
)
# Its only answer is an error: participants join through the invite link (WIRE.md row 13).
NEVER_SUCCEEDS = {"POST /{version}/{group_id}/participants"}


@pytest.fixture
def document(server: Server) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(server.base_url + "/openapi.json", timeout=TIMEOUT_S).json()
    return found


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def clients(biz: Business, recorder: Recorder) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """The Graph API and the sandbox helpers, both recorded (and checked against Meta's)."""
    hooks = {"response": [recorder, check_response]}
    with (
        httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30, event_hooks=hooks) as api,
        httpx.Client(
            base_url=biz.root + "/sandbox", headers=biz.auth, timeout=30, event_hooks=hooks
        ) as sandbox,
    ):
        yield api, sandbox


def ok(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.request.url, answer.status_code, answer.text)
    return answer.json()


def groups_and_links(api: httpx.Client, sandbox: httpx.Client, biz: Business) -> str:
    """Rows 1-8 and the L-calls; the group's id."""
    body = {**WHATSAPP, "subject": "Answers", "join_approval_mode": "approval_required"}
    group_id = ok(api.post(f"/{biz.phone_number_id}/groups", json=body))["id"]
    ok(api.get(f"/{biz.phone_number_id}/groups", params={"limit": 1}))
    settings = {
        **WHATSAPP,
        "subject": "Answers, renamed",
        "description": "All of them",
        "link_managers": "all",
        "invite_links_paused_until": 0,
        "invite_link_rotation_days": 7,
        "join_questions": ["Who sent you?"],
    }
    ok(api.post(f"/{group_id}", json=settings))
    ok(api.get(f"/{group_id}/invite_link"))
    ok(api.post(f"/{group_id}/invite_link", json=WHATSAPP))
    links = f"/{group_id}/invite_links"
    made = {**WHATSAPP, "name": "Poster", "member_limit": 5, "allowed_users": [{"user": phone(9)}]}
    link_id = ok(api.post(links, json=made))["id"]
    ok(api.get(links))
    ok(api.get(f"{links}/{link_id}"))
    ok(api.post(f"{links}/{link_id}", json={**WHATSAPP, "paused_until": int(time.time()) + 3600}))
    ok(api.request("DELETE", f"{links}/{link_id}", json=WHATSAPP))
    return str(group_id)


def people(api: httpx.Client, sandbox: httpx.Client, group_id: str) -> None:
    """Rows 9-13 and the sandbox's people: ask, cancel, approve and reject (partly),
    leave, admins, the person's link calls, insights, suspension."""
    code = ok(api.get(f"/{group_id}/invite_link"))["invite_link"].rsplit("/", 1)[1]
    answers = {"answers": ["A friend"]}
    asked = [
        ok(sandbox.post(f"/invites/{code}/join", json={"wa_id": phone(n), **answers}))
        for n in (1, 2, 3)
    ]
    ok(sandbox.post(f"/invites/{code}/cancel", json={"wa_id": phone(3)}))
    ok(api.get(f"/{group_id}/join_requests"))
    ids = [a["join_request_id"] for a in asked]
    decide = f"/{group_id}/join_requests"
    approve = {**WHATSAPP, "join_requests": [ids[0], "no-such-request"]}
    ok(api.post(decide, json=approve), 206)
    reject = {**WHATSAPP, "join_requests": [ids[1], ids[2]], "ban": False}
    ok(api.request("DELETE", decide, json=reject), 206)  # the third was cancelled
    assert api.post(decide, json={**WHATSAPP, "join_requests": [ids[0]]}).status_code == 400
    ok(api.post(f"/{group_id}", json={**WHATSAPP, "join_approval_mode": "auto_approve"}))
    assert ok(sandbox.post(f"/invites/{code}/join", json={"wa_id": phone(4)}))["status"] == "joined"
    ok(api.get(f"/{group_id}", params={"fields": FIELDS}))
    admin = {"wa_id": phone(4)}
    ok(sandbox.post(f"/groups/{group_id}/admins", json=admin))
    ok(sandbox.request("DELETE", f"/groups/{group_id}/admins", json=admin))
    ok(sandbox.get(f"/groups/{group_id}/invite_link", params=admin))
    ok(sandbox.post(f"/groups/{group_id}/invite_link", json=admin))
    ok(sandbox.request("DELETE", f"/groups/{group_id}/invite_link", json=admin))
    code = ok(api.post(f"/{group_id}/invite_link", json=WHATSAPP))["invite_link"].rsplit("/")[-1]
    ok(sandbox.post(f"/groups/{group_id}/leave", json={"wa_id": phone(1)}))
    ok(sandbox.post(f"/invites/{code}/join", json={"wa_id": phone(5)}))
    remove = {**WHATSAPP, "participants": [{"user": phone(5)}]}
    ok(api.request("DELETE", f"/{group_id}/participants", json=remove))
    assert api.post(f"/{group_id}/participants", json=remove).status_code == 400
    primary = ok(api.get(f"/{group_id}/invite_links"))["data"][0]["id"]
    assert ok(api.get(f"/{group_id}/insights"))["data"]  # with a row a day per link
    assert ok(api.get(f"/{group_id}/invite_links/{primary}/insights"))["data"]
    ok(sandbox.post(f"/groups/{group_id}/suspend"))
    ok(sandbox.post(f"/groups/{group_id}/unsuspend"))


def webhooks_and_messages(api: httpx.Client, sandbox: httpx.Client, biz: Business) -> None:
    """Subscriptions, deliveries, the send call and the inbox, the audit log, deletes."""
    receiver = Receiver().start()
    try:
        subscribe = {
            "object": "whatsapp_business_account",
            "callback_url": receiver.url,
            "verify_token": receiver.verify_token,
            "fields": "group_lifecycle_update",
        }
        ok(api.post(f"/{biz.business_id}/subscriptions", json=subscribe))
        ok(api.get(f"/{biz.business_id}/subscriptions"))
        group = {**WHATSAPP, "subject": "Announced"}
        group_id = ok(api.post(f"/{biz.phone_number_id}/groups", json=group))["id"]
        receiver.wait_for(lambda found: len(found) >= 1)
        deliveries = ok(api.get(f"/{biz.business_id}/webhook_deliveries"))["data"]
        redeliver = {"event_ids": [deliveries[0]["event_id"]]}
        ok(api.post(f"/{biz.business_id}/webhook_deliveries/redeliver", json=redeliver))
        ok(api.request("DELETE", f"/{biz.business_id}/subscriptions", json={}))
    finally:
        receiver.stop()
    text = {**WHATSAPP, "to": phone(6), "type": "text", "text": {"body": "Join us"}}
    ok(api.post(f"/{biz.phone_number_id}/messages", json=text))
    ok(sandbox.get(f"/people/{phone(6)}/messages"))
    ok(api.get(f"/{group_id}/audit_log"))
    ok(api.request("DELETE", f"/{group_id}/invite_link", json=WHATSAPP))
    ok(api.delete(f"/{group_id}"))
    assert api.get(f"/{group_id}").status_code == 400  # the error envelope, checked too


def test_every_operation_answers_as_the_document_declares(
    document: dict[str, Any],
    biz: Business,
    clients: tuple[httpx.Client, httpx.Client],
    recorder: Recorder,
) -> None:
    api, sandbox = clients
    group_id = groups_and_links(api, sandbox, biz)
    people(api, sandbox, group_id)
    webhooks_and_messages(api, sandbox, biz)
    check(document, recorder.answers)
    # Every Graph and sandbox operation was seen succeeding (and the 206s, and errors).
    seen = {
        (operation_of(document, a.method, a.path), a.status // 100 * 100) for a in recorder.answers
    }
    wanted = {op for op in _graph_operations(document) if op not in NEVER_SUCCEEDS}
    assert wanted <= {op for op, status in seen if status == 200}, wanted - {op for op, _ in seen}
    partial = {(f"{m} /{{version}}/{{group_id}}/join_requests", 206) for m in ("POST", "DELETE")}
    codes = {(operation_of(document, a.method, a.path), a.status) for a in recorder.answers}
    assert partial <= codes
    assert {op for op, status in seen if status == 400} >= NEVER_SUCCEEDS


def _graph_operations(document: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, methods in document["paths"].items()
        if path.startswith(("/{version}/", "/sandbox/"))
        for method in methods
    ]


def test_every_operation_declares_its_fields_the_error_envelope_and_the_bearer(
    document: dict[str, Any],
) -> None:
    error = {"$ref": "#/components/schemas/GraphError"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for name in _graph_operations(document):
        method, path = name.split(" ", 1)
        operation = document["paths"][path][method.lower()]
        assert operation.get("security") == [{"bearerAuth": []}], name
        responses = operation["responses"]
        assert responses["default"]["content"]["application/json"]["schema"] == error, name
        for status, response in responses.items():
            if status.startswith("2"):
                schema = response["content"]["application/json"]["schema"]
                assert "$ref" in schema or "properties" in schema, (name, status, schema)
        if name in NEVER_SUCCEEDS:
            assert not [s for s in responses if s.startswith("2")], (name, sorted(responses))
    for method in ("POST", "DELETE"):
        decide = document["paths"]["/{version}/{group_id}/join_requests"][method.lower()]
        assert {"200", "206"} <= set(decide["responses"]), method


def test_a_schema_that_forgets_or_mistypes_a_field_is_caught(
    document: dict[str, Any], biz: Business
) -> None:
    """The check is strict: the same real answer fails once the declaration is wrong."""
    body = {**WHATSAPP, "subject": "Strict"}
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
        group_id = ok(api.post(f"/{biz.phone_number_id}/groups", json=body))["id"]
        link = ok(api.get(f"/{group_id}/invite_link"))
    answer = Answer("GET", f"/v23.0/{group_id}/invite_link", 200, link)
    assert problems(document, answer) == []
    operation = document["paths"]["/{version}/{group_id}/invite_link"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    forgetful = copy.deepcopy(document)
    declared = forgetful["components"]["schemas"][name]
    del declared["properties"]["invite_link"]
    declared["required"].remove("invite_link")
    assert any("invite_link" in p for p in problems(forgetful, answer))
    mistyped = copy.deepcopy(document)
    mistyped["components"]["schemas"][name]["properties"]["invite_link"] = {"type": "integer"}
    assert any("integer" in p for p in problems(mistyped, answer))


def test_request_bodies_carry_the_domains_limits_for_every_content_type(
    document: dict[str, Any],
) -> None:
    """The body schemas are generated with the rules' own constants, not restated."""
    schemas = document["components"]["schemas"]
    create = schemas["CreateGroupBody"]["properties"]
    assert create["subject"]["maxLength"] == SUBJECT_MAX
    assert create["description"]["maxLength"] == DESCRIPTION_MAX
    update = schemas["UpdateGroupBody"]["properties"]
    assert update["join_questions"]["maxItems"] == MAX_QUESTIONS
    assert update["join_questions"]["items"]["maxLength"] == QUESTION_MAX
    assert schemas["ParticipantsBody"]["properties"]["participants"]["maxItems"] == MAX_PER_CALL
    assert schemas["DecideBody"]["properties"]["join_requests"]["maxItems"] == MAX_DECISIONS
    assert schemas["PersonBody"]["properties"]["answers"]["items"]["maxLength"] == ANSWER_MAX
    assert schemas["MessageText"]["properties"]["body"]["maxLength"] == TEXT_MAX
    for name in _graph_operations(document):
        method, path = name.split(" ", 1)
        body = document["paths"][path][method.lower()].get("requestBody")
        if body is not None:
            types = set(body["content"])
            assert {"application/json", "application/x-www-form-urlencoded"} <= types, name
            for media in body["content"].values():
                assert media["schema"]["$ref"].rsplit("/", 1)[1] in schemas, name
    picture = document["paths"]["/{version}/{group_id}"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in picture


def test_no_graph_answer_is_validated_per_request() -> None:
    """The declarations cost the answers nothing: no Graph or sandbox route has a
    response_model, so FastAPI neither validates nor re-serialises what it returns
    (the hot calls, join and reset, included)."""
    modules = [
        importlib.import_module(f"grouplink.graph.{info.name}")
        for info in pkgutil.iter_modules(grouplink.graph.__path__)
    ]
    routers = [m.router for m in modules if isinstance(getattr(m, "router", None), APIRouter)]
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 30
    validated = [f"{sorted(r.methods)} {r.path}" for r in routes if r.response_field is not None]
    assert not validated, validated
