"""Join questions in the console: set in Settings, answers on the Requests screen, and
"Reject and ban"."""

from __future__ import annotations

import httpx

from tests.graph.helpers import approval_group, assert_envelope, group_fields, http, phone
from tests.support import Business
from tests.web import test_console
from tests.web.pages import Page
from tests.web.test_console import Admin

admin, browsers = test_console.admin, test_console.browsers


def test_questions_are_set_answered_shown_and_a_rejection_can_ban(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz, subject="Poets")
    settings = f"/console/groups/{group['id']}/settings"
    form = admin.screen(group["id"], "settings").form(settings)
    assert (form.fields["question_1"], form.fields["question_3"]) == ("", "")
    saved = admin.submit(
        form, question_1="Your favourite poem?", question_2="", question_3="Why us?"
    )
    assert "Settings saved." in saved.text
    asked = group_fields(api, group["id"], "join_questions")["join_questions"]
    assert asked == ["Your favourite poem?", "Why us?"]  # empty fields ask nothing
    too_long = admin.post(saved.form(settings), question_2="x" * 201)
    assert too_long.status_code == 400
    assert Page(too_long).form(settings).fields["question_2"] == "x" * 201  # kept as typed
    assert group_fields(api, group["id"], "join_questions")["join_questions"] == asked

    for n, answers in ((1, ["The Raven", "Friends"]), (2, ["Ozymandias", "Spam"])):
        body = {"wa_id": phone(n), "answers": answers}
        sent = http().post(
            f"{biz.root}/sandbox/invites/{group['code']}/join", json=body, headers=biz.auth
        )
        assert sent.status_code == 200, sent.text
    requests = admin.screen(group["id"], "requests")
    for words in ("Your favourite poem?", "The Raven", "Why us?", "Spam"):
        assert words in requests.text
    assert "Reject and ban" in requests.text
    request_ids = {
        r["wa_id"]: r["join_request_id"]
        for r in api.get(f"/{group['id']}/join_requests").json()["data"]
    }
    target = f"/console/groups/{group['id']}/requests/{request_ids[phone(2)]}/ban"
    form = requests.form(f"/console/groups/{group['id']}/requests")  # its button posts here
    after = admin.follow(admin.client.post(target, data={"csrf": form.fields["csrf"]}))
    assert "Rejected and banned 1 person" in after.text
    again = http().post(
        f"{biz.root}/sandbox/invites/{group['code']}/join",
        json={"wa_id": phone(2), "answers": ["x", "y"]},
        headers=biz.auth,
    )
    assert_envelope(again, 400, 131203)
