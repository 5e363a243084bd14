"""WIRE.md Join questions over real HTTP: the group's setting, answers through the
sandbox and the link page, answers shown to admins (API, webhooks, console), and
rejecting with a ban."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import (
    WHATSAPP,
    OutboxRows,
    approval_group,
    assert_envelope,
    http,
    joined,
    pending_of,
    phone,
)
from tests.graph.links_support import audit_actions, new_link, traces_of
from tests.support import Business
from tests.web.pages import Person

QUESTIONS = ["Which book did you read last?", "How did you hear of us?"]


def ask_with(biz: Business, code: str, wa_id: str, answers: object) -> httpx.Response:
    body = {"wa_id": wa_id, "answers": answers}
    return http().post(f"{biz.root}/sandbox/invites/{code}/join", json=body, headers=biz.auth)


def set_questions(api: httpx.Client, group_id: str, questions: object) -> httpx.Response:
    return api.post(f"/{group_id}", json={**WHATSAPP, "join_questions": questions})


def test_people_who_need_approval_answer_the_groups_questions(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz)
    assert set_questions(api, group["id"], QUESTIONS).status_code == 200
    read = api.get(f"/{group['id']}", params={"fields": "join_questions"}).json()
    assert read["join_questions"] == QUESTIONS

    for answers in (None, ["Dune"], ["Dune", "  "], ["Dune", "x" * 501], "Dune"):
        refused = assert_envelope(ask_with(biz, group["code"], phone(1), answers), 400, 100)
        assert "nswer" in refused["error_data"]["details"]
    assert traces_of(server.database_url, biz.business_id, phone(1))["people"] == 0

    asked = ask_with(biz, group["code"], phone(1), [" Dune ", "A friend"])
    assert asked.status_code == 200 and asked.json()["status"] == "requested"
    [request] = pending_of(api, group["id"])
    expected = [
        {"question": QUESTIONS[0], "answer": "Dune"},
        {"question": QUESTIONS[1], "answer": "A friend"},
    ]
    assert request["answers"] == expected
    outbox = OutboxRows(server.database_url, biz.business_id)
    try:
        [created] = [
            row["item"]
            for row in outbox.all()
            if row["item"]["type"] == "group_join_request_created"
        ]
    finally:
        outbox.close()
    assert created["answers"] == expected

    # Who joins at once is asked nothing; with no questions, nothing is asked.
    open_link = new_link(api, group["id"], join_approval_mode="auto_approve")
    assert joined(biz, open_link["code"], phone(2))["status"] == "joined"
    assert set_questions(api, group["id"], []).status_code == 200
    assert joined(biz, group["code"], phone(3))["status"] == "requested"
    [unasked] = [r for r in pending_of(api, group["id"]) if r["wa_id"] == phone(3)]
    assert "answers" not in unasked


@pytest.mark.parametrize(
    "questions", [["a", "b", "c", "d"], [""], ["x" * 201], "one question", [5]]
)
def test_bad_questions_are_refused(api: httpx.Client, biz: Business, questions: object) -> None:
    group = approval_group(api, biz)
    assert_envelope(set_questions(api, group["id"], questions), 400, 100)
    read = api.get(f"/{group['id']}", params={"fields": "join_questions"}).json()
    assert read["join_questions"] == []


def test_rejecting_with_a_ban_keeps_them_out_of_every_link(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz)
    other = new_link(api, group["id"], join_approval_mode="auto_approve")
    pest = joined(biz, group["code"], phone(1))["join_request_id"]
    plain = joined(biz, group["code"], phone(2))["join_request_id"]
    body = {**WHATSAPP, "join_requests": [pest], "ban": True}
    answer = api.request("DELETE", f"/{group['id']}/join_requests", json=body)
    assert answer.status_code == 200 and answer.json()["rejected_join_requests"] == [pest]
    api.request(
        "DELETE", f"/{group['id']}/join_requests", json={**WHATSAPP, "join_requests": [plain]}
    )
    for code in (group["code"], other["code"]):
        assert_envelope(joined_or(biz, code, phone(1)), 400, 131203)
    assert joined(biz, other["code"], phone(2))["status"] == "joined"  # only rejected
    bans = [
        a for a in audit_actions(server.database_url, biz.business_id) if a[0] == "participants.ban"
    ]
    assert len(bans) == 1
    bad = api.request("DELETE", f"/{group['id']}/join_requests", json={**body, "ban": "maybe"})
    assert_envelope(bad, 400, 100)


def joined_or(biz: Business, code: str, wa_id: str) -> httpx.Response:
    return http().post(
        f"{biz.root}/sandbox/invites/{code}/join", json={"wa_id": wa_id}, headers=biz.auth
    )


def test_the_link_page_asks_the_questions_before_the_request_and_keeps_the_answers(
    api: httpx.Client, biz: Business, server: Server
) -> None:
    group = approval_group(api, biz, subject="Readers")
    set_questions(api, group["id"], QUESTIONS)
    person = Person(server.base_url)
    try:
        page = person.sign_in(f"/{group['code']}")
        assert QUESTIONS[0] in page.text and QUESTIONS[1] in page.text
        form = page.form(f"/{group['code']}", action="join")
        refused = person.submit(form, answer_1="Dune", answer_2="")
        assert refused.status == 400 and "Answer 2 is missing" in refused.text
        kept = refused.form(f"/{group['code']}", action="join")
        assert "Dune" in refused.html  # what was typed is still there
        sent = person.submit(kept, answer_1="Dune", answer_2="The library")
        assert sent.headings == ["Readers", "Request sent"]
    finally:
        person.close()
    [request] = pending_of(api, group["id"])
    assert [a["answer"] for a in request["answers"]] == ["Dune", "The library"]
