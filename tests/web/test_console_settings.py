"""Settings in the console over real HTTP, on both backends: only what changed is
saved, turning "Approve new participants" off with requests waiting, a refused save
keeping what was typed, a suspended group refusing changes, deleting a group."""

from __future__ import annotations

import httpx

from tests.graph.helpers import (
    approval_group,
    ask,
    group_fields,
    joined,
    pending_of,
    phone,
    wa_ids_of,
)
from tests.images import assert_clean_jpeg, photo
from tests.support import TIMEOUT_S, Business, create_group
from tests.web import test_console
from tests.web.pages import Page
from tests.web.test_console import Admin

admin, browsers = test_console.admin, test_console.browsers


def test_turning_approval_off_can_approve_the_waiting_requests_in_the_same_save(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz, subject="Choir")
    for n in range(3):
        ask(biz, group["code"], phone(60 + n))
    base = f"/console/groups/{group['id']}/settings"
    page = admin.screen(group["id"], "settings")
    assert "3 requests waiting. If you turn this off:" in page.text
    assert "Approve the 3 waiting requests too" in page.text and "Leave them waiting" in page.text
    form = page.form(base)
    assert form.fields["waiting"] == "approve"  # the radio ticked at first
    del form.fields["approval"]  # the switch turned off
    saved = admin.submit(form)
    assert "Settings saved. Approved the 3 waiting requests: they are in the group." in saved.text
    assert group_fields(api, group["id"], "join_approval_mode")["join_approval_mode"] == (
        "auto_approve"
    )
    assert pending_of(api, group["id"]) == []
    assert sorted(wa_ids_of(api, group["id"])) == [phone(60), phone(61), phone(62)]
    assert "If you turn this off" not in saved.text  # approval is off: nothing to ask


def test_turning_approval_off_can_leave_the_requests_waiting(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz)
    ask(biz, group["code"], phone(70))
    base = f"/console/groups/{group['id']}/settings"
    page = admin.screen(group["id"], "settings")
    assert "1 request waiting." in page.text and "Approve the waiting request too" in page.text
    form = page.form(base)
    del form.fields["approval"]
    saved = admin.submit(form, waiting="leave")
    assert "Settings saved." in saved.text and "Approved" not in saved.text
    assert group_fields(api, group["id"], "join_approval_mode")["join_approval_mode"] == (
        "auto_approve"
    )
    assert [r["wa_id"] for r in pending_of(api, group["id"])] == [phone(70)]
    assert wa_ids_of(api, group["id"]) == []


def test_approving_the_waiting_requests_stops_at_capacity_and_says_so(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz)
    for n in range(10):  # the test server allows 8 participants
        ask(biz, group["code"], phone(80 + n))
    page = admin.screen(group["id"], "settings")
    assert "There is room for 8 more, so 2 would keep waiting." in page.text
    form = page.form(f"/console/groups/{group['id']}/settings")
    del form.fields["approval"]
    saved = admin.submit(form)
    assert (
        "Settings saved. Approved 8 of the waiting requests; the group is full, so 2 requests "
        "could not be approved and stay on the Requests screen." in saved.text
    )
    assert len(wa_ids_of(api, group["id"])) == 8
    assert len(pending_of(api, group["id"])) == 2


def test_a_refused_save_approves_nobody(admin: Admin, api: httpx.Client, biz: Business) -> None:
    group = approval_group(api, biz, subject="Kept")
    ask(biz, group["code"], phone(90))
    base = f"/console/groups/{group['id']}/settings"
    form = admin.screen(group["id"], "settings").form(base)
    del form.fields["approval"]
    refused = admin.post(form, subject="x" * 129)
    assert refused.status_code == 400
    assert Page(refused).form(base).fields["waiting"] == "approve"
    assert len(pending_of(api, group["id"])) == 1
    assert group_fields(api, group["id"], "join_approval_mode")["join_approval_mode"] == (
        "approval_required"
    )


def test_a_refused_settings_save_keeps_every_field_as_typed_and_marks_the_one_refused(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz, subject="Readers")
    base = f"/console/groups/{group['id']}/settings"
    form = admin.screen(group["id"], "settings").form(base)
    del form.fields["approval"]  # the switch turned off
    typed = {
        "subject": "R" * 129,
        "description": "Books\nand tea",
        "link_managers": "all",
        "links_pause": "at",
        "links_pause_at": "2030-01-02T03:04",
        "rotation_days": "9",
        "question_1": "Your favourite book?",
        "question_3": "Why us?",
    }
    refused = admin.post(form, **typed)
    assert refused.status_code == 400
    page = Page(refused)
    again = page.form(base)
    assert {k: again.fields.get(k) for k in typed} == typed
    assert "approval" not in again.fields  # still off, as sent
    assert again.fields["question_2"] == ""
    # The sentence speaks the form's words, under the field, tied to it.
    assert "Group name is longer than 128 characters" in page.text
    assert "subject is longer" not in page.text
    assert '<p class="error" id="subject-error">Group name is longer' in page.html
    assert 'aria-invalid="true" aria-describedby="subject-count subject-error"' in page.html
    assert page.html.count('aria-invalid="true"') == 1
    assert "129 of 128 characters: 1 too many" in page.text  # the counter, as sent
    assert 'maxlength="128"' not in page.html  # nothing cut silently
    info = group_fields(api, group["id"], "subject,link_managers,join_approval_mode")
    assert (info["subject"], info["join_approval_mode"]) == ("Readers", "approval_required")


def test_each_settings_field_says_its_refusal_at_itself(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz)
    base = f"/console/groups/{group['id']}/settings"
    form = admin.screen(group["id"], "settings").form(base)
    cases = {
        "rotation_days": ({"rotation_days": "400"}, "The number of days must be between"),
        "links_pause": (
            {"links_pause": "at", "links_pause_at": "2001-01-01T00:00"},
            "The end of the pause must be a time in the future",
        ),
        "question_2": ({"question_2": "q" * 201}, "Question 2 is longer than 200 characters"),
        "description": ({"description": "d" * 2049}, "Description is longer than 2048"),
    }
    for field, (sent, words) in cases.items():
        answer = admin.post(form, **sent)
        assert answer.status_code == 400, field
        html = Page(answer).html
        assert f'<p class="error" id="{field}-error">{words}' in html, (field, Page(answer).text)
        assert "unix seconds" not in html and "invite_link" not in html.split("<form")[1]


def test_a_refused_new_group_keeps_its_fields_and_speaks_the_forms_words(admin: Admin) -> None:
    form = admin.get("/console/new").form("/console/new")
    typed = {"subject": "G" * 130, "description": "Seeds", "approval": "approval_required"}
    refused = admin.post(form, **typed)
    assert refused.status_code == 400
    page = Page(refused)
    again = page.form("/console/new")
    assert {k: again.fields.get(k) for k in typed} == typed
    assert again.fields["phone_number_id"] == form.fields["phone_number_id"]
    assert '<p class="error" id="subject-error">Group name is longer than 128' in page.html
    assert 'aria-describedby="subject-count subject-error"' in page.html
    assert "130 of 128 characters: 2 too many" in page.text
    assert 'maxlength="128"' not in page.html


def test_settings_save_only_what_changed(admin: Admin, api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz, subject="Old name")
    base = f"/console/groups/{group['id']}/settings"
    form = admin.screen(group["id"], "settings").form(base)
    assert form.fields["subject"] == "Old name"
    unchanged = admin.submit(form, link_managers="admins")
    assert "Nothing to save" in unchanged.text

    picture = photo(640)
    answer = admin.client.post(
        base,
        data={
            "csrf": form.fields["csrf"],
            "subject": "New name",
            "description": "Line one\r\nLine two",
            "approval": "on",
            "link_managers": "admins",
        },
        files={"picture": ("cover.jpg", picture, "image/jpeg")},
    )
    assert "Settings saved" in admin.follow(answer).text
    fields = group_fields(api, group["id"], "subject,description,join_approval_mode")
    assert fields == {
        **fields,
        "subject": "New name",
        "description": "Line one\nLine two",
        "join_approval_mode": "approval_required",
    }
    shown = admin.client.get(f"/console/groups/{group['id']}/picture")
    assert shown.status_code == 200
    assert_clean_jpeg(shown.content, 640)  # re-encoded: the camera's EXIF GPS is gone

    bad = admin.client.post(
        base,
        data={"csrf": form.fields["csrf"], "subject": "New name", "link_managers": "admins"},
        files={"picture": ("wide.jpg", b"not a jpeg", "image/jpeg")},
    )
    assert bad.status_code == 400 and "must be a JPEG" in Page(bad).text
    assert group_fields(api, group["id"], "subject")["subject"] == "New name"


def test_a_suspended_group_says_so_and_refuses_changes(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    suspended = httpx.post(
        f"{biz.root}/sandbox/groups/{group['id']}/suspend", headers=biz.auth, timeout=TIMEOUT_S
    )
    assert suspended.status_code == 200
    info = admin.screen(group["id"])
    assert "Suspended" in info.text
    form = admin.screen(group["id"], "invite/reset").form(
        f"/console/groups/{group['id']}/invite/reset"
    )
    refused = admin.post(form)
    assert refused.status_code == 403 and "This group is suspended" in Page(refused).text


def test_deleting_a_group_from_the_console(admin: Admin, api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz, subject="Short-lived")
    joined(biz, group["code"], phone(50))
    confirm = admin.screen(group["id"], "delete")
    assert "Delete Short-lived?" in confirm.headings
    done = admin.submit(confirm.form(f"/console/groups/{group['id']}/delete"))
    assert "Group deleted" in done.text and "Short-lived" not in done.text
    assert api.get(f"/{group['id']}").status_code == 400
    assert admin.get(f"/{group['code']}").status == 404
