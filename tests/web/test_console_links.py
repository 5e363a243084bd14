"""The console's "Invite links" screen over real HTTP, on both backends.

An admin makes named links with limits, edits, pauses, resumes and revokes them, and
resets the group's links knowing how many stop working; the settings pause every link
and rotate the main one; People and Requests say which link each person came through.
What the console did is read back through the Graph API and the sandbox's joins.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.graph.helpers import (
    WHATSAPP,
    approval_group,
    ask,
    code_of,
    group_fields,
    joined,
    phone,
)
from tests.graph.links_support import all_links, in_seconds, new_link, read_link, refused
from tests.support import Business, create_group
from tests.web import test_console
from tests.web.pages import Page, new_phone
from tests.web.test_console import Admin, member_at_console, read_qr

# The console's own fixtures: a signed-in business, and browsers that close after the test.
admin, browsers = test_console.admin, test_console.browsers


def base(group_id: str, screen: str = "invite") -> str:
    return f"/console/groups/{group_id}/{screen}"


def utc_field(unix_seconds: int) -> str:
    """How a ``datetime-local`` field holds a moment (UTC, to the minute)."""
    return datetime.fromtimestamp(unix_seconds, UTC).strftime("%Y-%m-%dT%H:%M")


def make_in_console(admin: Admin, group_id: str, **fields: str) -> Page:
    form = admin.screen(group_id, "invite/new").form(base(group_id, "invite/new"))
    return admin.submit(form, **fields)


def link_named(api: httpx.Client, group_id: str, name: str) -> dict[str, Any]:
    [link] = [link for link in all_links(api, group_id) if link["name"] == name]
    return {**link, "code": code_of(link["invite_link"])}


def row_of(page: Page, title: str) -> str:
    """The text of the links list from ``title`` on (a row's words follow its title)."""
    start = page.text.index(title)
    return page.text[start : start + 200]


# --- make, list, edit ---------------------------------------------------------------------------


def test_a_named_link_with_a_limit_is_made_listed_and_edited(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz, subject="Library club")
    screen = admin.screen(group["id"], "invite")
    assert screen.headings[:2] == ["Invite to group via link", "Other links"]
    assert screen.link("New link") == base(group["id"], "invite/new")
    assert "No other working links" in screen.text

    before = int(time.time())
    made = make_in_console(
        admin,
        group["id"],
        name="Poster at the library",
        member_limit="10",
        expires="7d",
        approval="auto_approve",
    )
    assert made.status == 200 and "Link made." in made.text
    link = link_named(api, group["id"], "Poster at the library")
    assert made.response.url.path == base(group["id"], f"invite/links/{link['id']}")
    assert f'value="{link["invite_link"]}"' in made.html  # ready to copy
    assert link["member_limit"] == 10 and link["join_approval_mode"] == "auto_approve"
    assert before + 7 * 86_400 <= link["expire_time"] <= int(time.time()) + 7 * 86_400
    assert link["allowed_users"] is None and link["state"] == "active"

    joined(biz, link["code"], phone(1))
    listed = admin.screen(group["id"], "invite")
    row = row_of(listed, "Poster at the library")
    assert "1 of 10 joined" in row and "Expires" in row and "Active" in row
    assert listed.link("Poster at the library") == made.response.url.path

    edit = admin.screen(group["id"], f"invite/links/{link['id']}/edit")
    form = edit.form(base(group["id"], f"invite/links/{link['id']}/edit"))
    assert form.fields["name"] == "Poster at the library" and form.fields["member_limit"] == "10"
    assert 'value="keep" selected' in edit.html  # the expiry stays unless changed
    saved = admin.submit(form, name="Poster, main library", member_limit="")
    assert "Link saved." in saved.text
    after = read_link(api, group["id"], link["id"])
    assert after["name"] == "Poster, main library" and after["member_limit"] is None
    assert after["expire_time"] == link["expire_time"]
    assert after["join_approval_mode"] == "auto_approve"

    again = admin.screen(group["id"], f"invite/links/{link['id']}/edit")
    nothing = admin.submit(again.form(base(group["id"], f"invite/links/{link['id']}/edit")))
    assert "Nothing to save: nothing was changed." in nothing.text


def test_a_link_for_some_people_only_follows_the_groups_rule(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = approval_group(api, biz)
    made = make_in_console(
        admin,
        group["id"],
        name="Family",
        expires="at",
        expires_at=utc_field(in_seconds(3 * 86_400)),
        approval="group",
        allowed=f"+1 555-010-0021, +{phone(22)}\n",
    )
    assert "Link made." in made.text
    link = link_named(api, group["id"], "Family")
    assert [p["wa_id"] for p in link["allowed_users"]] == [phone(21), phone(22)]
    assert link["join_approval_mode"] is None
    assert abs(link["expire_time"] - in_seconds(3 * 86_400)) <= 60
    refused(biz, link["code"], phone(23), "not_allowed")
    assert ask(biz, link["code"], phone(21))  # the group asks for approval: so does the link
    assert "Only 2 people" in made.text


def test_a_refused_form_keeps_every_field_as_typed(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    typed = {
        "name": "Stall at the fair",
        "member_limit": "0",
        "expires": "at",
        "expires_at": "2001-01-01T10:00",
        "approval": "approval_required",
        "allowed": "+1 555 010 0031\nnot a phone",
    }
    form = admin.screen(group["id"], "invite/new").form(base(group["id"], "invite/new"))
    answer = admin.post(form, **typed)
    assert answer.status_code == 400
    page = Page(answer)
    assert "Member limit must be between 1 and 99,999" in page.text
    assert "The expiry must be a time in the future" in page.text
    assert "'not a phone' is not a phone number" in page.text
    again = page.form(base(group["id"], "invite/new"))
    for field in ("name", "member_limit", "expires_at", "approval"):
        assert again.fields[field] == typed[field], field
    assert 'value="at" selected' in page.html
    assert ">+1 555 010 0031\nnot a phone</textarea>" in page.html
    assert 'aria-invalid="true"' in page.html
    assert [link["is_primary"] for link in all_links(api, group["id"])] == [True]  # none made

    edit_target = base(group["id"], f"invite/links/{new_link(api, group['id'])['id']}/edit")
    edit = admin.get(edit_target).form(edit_target)
    refused_edit = admin.post(edit, name="x" * 33)
    assert refused_edit.status_code == 400
    assert "Name is longer than 32 characters" in Page(refused_edit).text
    assert Page(refused_edit).form(edit_target).fields["name"] == "x" * 33


# --- pause, resume, revoke ---------------------------------------------------------------------


def test_the_main_link_is_renamed_but_given_no_limit_of_its_own(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    primary = all_links(api, group["id"])[0]
    here = base(group["id"], f"invite/links/{primary['id']}/edit")
    form = admin.screen(group["id"], f"invite/links/{primary['id']}/edit").form(here)
    assert "member_limit" not in form.fields and "allowed" not in form.fields
    assert admin.submit(form, name="Main door").status == 200
    after = read_link(api, group["id"], primary["id"])
    assert (after["name"], after["member_limit"], after["expire_time"]) == ("Main door", None, None)
    # A form posted with a limit anyway (by hand) is refused, and nothing changes.
    forced = admin.post(form, name="Main door", member_limit="5")
    assert forced.status_code == 400
    assert read_link(api, group["id"], primary["id"])["member_limit"] is None


def test_a_link_is_paused_and_resumed(admin: Admin, api: httpx.Client, biz: Business) -> None:
    group = create_group(api, biz)
    link = new_link(api, group["id"], name="Flyer")
    here = base(group["id"], f"invite/links/{link['id']}")
    page = admin.screen(group["id"], f"invite/links/{link['id']}")
    assert "Flyer" in page.headings and "Resume now" not in page.text

    bad = admin.post(page.form(f"{here}/pause"), pause="at", pause_at="2001-01-01T10:00")
    assert bad.status_code == 400
    assert "paused_until must be a time in the future" in Page(bad).text
    assert Page(bad).form(f"{here}/pause").fields["pause_at"] == "2001-01-01T10:00"

    paused = admin.submit(page.form(f"{here}/pause"), pause="1d")
    assert "Link paused." in paused.text and "Resume now" in paused.text
    state = read_link(api, group["id"], link["id"])
    assert state["state"] == "paused" and abs(state["paused_until"] - in_seconds(86_400)) <= 60
    refused(biz, link["code"], phone(41), "paused")
    assert "Paused until" in row_of(admin.screen(group["id"], "invite"), "Flyer")

    resumed = admin.submit(paused.form(f"{here}/resume"))
    assert "Link resumed." in resumed.text
    assert read_link(api, group["id"], link["id"])["state"] == "active"
    assert joined(biz, link["code"], phone(41))["status"] == "joined"


def test_a_revoked_link_stops_and_is_listed_apart(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    link = new_link(api, group["id"], name="Old poster")
    here = base(group["id"], f"invite/links/{link['id']}")
    confirm = admin.screen(group["id"], f"invite/links/{link['id']}/revoke")
    assert "Revoke Old poster?" in confirm.headings
    assert "This link will stop working at once" in confirm.text
    assert confirm.link("Cancel") == here
    done = admin.submit(confirm.form(f"{here}/revoke"))
    assert done.response.url.path == base(group["id"])
    assert "Link revoked. It no longer works." in done.text
    assert "Old poster" not in done.text  # the working links only

    assert read_link(api, group["id"], link["id"])["state"] == "revoked"
    refused(biz, link["code"], phone(51), "revoked")
    revoked = admin.get(base(group["id"]) + "?show=revoked")
    assert "Revoked" in row_of(revoked, "Old poster")
    gone = admin.screen(group["id"], f"invite/links/{link['id']}")
    assert "Edit link" not in gone.text and not gone.has_form(f"{here}/pause")


def test_a_non_primary_links_qr_code_is_that_link(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz, subject="Hiking club")
    link = new_link(api, group["id"], name="Trailhead sign")
    png = admin.client.get(base(group["id"], f"invite/links/{link['id']}/qr.png"))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == (
        'attachment; filename="hiking-club-trailhead-sign-invite-qr.png"'
    )
    assert read_qr(png.content) == [link["invite_link"]]
    assert admin.get(base(group["id"], "invite/links/nolinkhere")).status == 404


# --- reset says how many links stop ----------------------------------------------------------


def test_the_reset_page_says_how_many_links_stop_working(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz)
    alone = admin.screen(group["id"], "invite/reset")
    assert "The current link will stop working at once." in alone.text
    assert "Reset only the main link" not in alone.text

    first, second = new_link(api, group["id"]), new_link(api, group["id"], name="Poster")
    gone = new_link(api, group["id"], name="Gone")
    api.request("DELETE", f"/{group['id']}/invite_links/{gone['id']}", json=WHATSAPP)
    paused = new_link(api, group["id"], name="Resting")
    api.post(
        f"/{group['id']}/invite_links/{paused['id']}",
        json={**WHATSAPP, "paused_until": in_seconds(3600)},
    )
    warning = "4 links will stop working at once: the current link and 3 others."
    confirm = admin.screen(group["id"], "invite/reset")
    assert warning in confirm.text  # the revoked link is not counted; the paused one is
    assert confirm.forms[-1].buttons[-2:] == ["Reset only the main link", "Reset all 4 links"]
    assert warning in admin.screen(group["id"], "invite").text  # the dialog says it too

    only_main = admin.submit(confirm.form(base(group["id"], "invite/reset")), scope="primary")
    assert "Main link reset." in only_main.text
    working = {link["id"] for link in all_links(api, group["id"]) if link["state"] == "active"}
    assert {first["id"], second["id"]} <= working
    assert read_link(api, group["id"], paused["id"])["state"] == "paused"
    refused(biz, group["code"], phone(61), "revoked")

    confirm = admin.screen(group["id"], "invite/reset")
    assert warning in confirm.text
    everything = admin.submit(confirm.form(base(group["id"], "invite/reset")))
    assert "Links reset. The 4 old links no longer work" in everything.text
    states = [(link["is_primary"], link["state"]) for link in all_links(api, group["id"])]
    assert [s for s in states if s[1] != "revoked"] == [(True, "active")]
    refused(biz, second["code"], phone(62), "revoked")

    delete = admin.screen(group["id"], "invite/delete")
    assert "The current link will stop working at once." in delete.text


# --- settings: pause every link, rotate the main one ------------------------------------------


def test_settings_pause_every_link_and_rotate_the_main_one(
    admin: Admin, api: httpx.Client, biz: Business
) -> None:
    group = create_group(api, biz, subject="Night owls")
    other = new_link(api, group["id"])
    settings = base(group["id"], "settings")
    form = admin.screen(group["id"], "settings").form(settings)
    assert form.fields["rotation_days"] == "0"
    until = in_seconds(2 * 86_400) // 60 * 60  # the field holds minutes
    saved = admin.submit(form, links_pause="at", links_pause_at=utc_field(until), rotation_days="7")
    assert "Settings saved." in saved.text
    fields = "invite_links_paused_until,invite_link_rotation_days"
    read = group_fields(api, group["id"], fields)
    assert (read["invite_links_paused_until"], read["invite_link_rotation_days"]) == (until, 7)
    refused(biz, group["code"], phone(71), "paused")
    refused(biz, other["code"], phone(71), "paused")
    invite = admin.screen(group["id"], "invite")
    assert "Every invite link of this group is paused until" in invite.text
    assert saved.form(settings).fields["rotation_days"] == "7"

    # A refused save changes nothing and shows every field as it was typed.
    answer = admin.post(
        saved.form(settings),
        subject="Early birds",
        description="Sunrise walks",
        links_pause="none",
        rotation_days="400",
        link_managers="all",
    )
    assert answer.status_code == 400
    page = Page(answer)
    assert "The number of days must be between 0 (never) and 365" in page.text
    kept = page.form(settings).fields
    assert (kept["subject"], kept["rotation_days"], kept["link_managers"]) == (
        "Early birds",
        "400",
        "all",
    )
    assert ">Sunrise walks</textarea>" in page.html and 'value="none" selected' in page.html
    read = group_fields(api, group["id"], f"subject,{fields}")
    assert read["subject"] == "Night owls" and read["invite_link_rotation_days"] == 7

    resumed = admin.submit(saved.form(settings), links_pause="none", rotation_days="0")
    assert "Settings saved." in resumed.text
    read = group_fields(api, group["id"], fields)
    assert read["invite_links_paused_until"] is None and read["invite_link_rotation_days"] == 0
    assert joined(biz, other["code"], phone(71))["status"] == "joined"


# --- which link each person came through -----------------------------------------------------


def test_people_and_requests_say_which_link_each_came_through(
    browsers: Any, admin: Admin, api: httpx.Client, biz: Business
) -> None:
    member = new_phone()
    group = create_group(api, biz, subject="Choir")
    poster = new_link(api, group["id"], name="Poster at the library")
    unnamed = new_link(api, group["id"])
    asking = new_link(api, group["id"], name="Audition", join_approval_mode="approval_required")
    joined(biz, group["code"], member)
    joined(biz, poster["code"], phone(81))
    joined(biz, unnamed["code"], phone(82))
    ask(biz, asking["code"], phone(83))

    people = admin.screen(group["id"], "members")
    assert "via Poster at the library" in row_of(people, shown(phone(81)))[:60]
    assert "via an unnamed link" in row_of(people, shown(phone(82)))[:60]
    assert "via main link" in people.text
    requests = admin.screen(group["id"], "requests")
    assert "via Audition" in row_of(requests, shown(phone(83)))[:60]

    # After a reset the old main link is an earlier one; the business itself used none.
    admin.submit(
        admin.screen(group["id"], "invite/reset").form(base(group["id"], "invite/reset")),
        scope="primary",
    )
    assert "via an earlier link" in admin.screen(group["id"], "members").text

    # A participant who may not manage links is not told which link anyone used.
    person = member_at_console(browsers, member)
    theirs = person.get(base(group["id"], "members"))
    assert theirs.status == 200 and "via " not in theirs.text


def shown(wa_id: str) -> str:
    return f"+1 555-010-{wa_id[-4:]}"


# --- who may ---------------------------------------------------------------------------------


def test_a_member_without_the_link_ability_is_refused(
    browsers: Any, admin: Admin, api: httpx.Client, biz: Business
) -> None:
    member = new_phone()
    group = create_group(api, biz)
    link = new_link(api, group["id"], name="Poster")
    joined(biz, group["code"], member)
    person = member_at_console(browsers, member)
    for screen in ("invite/new", f"invite/links/{link['id']}", f"invite/links/{link['id']}/edit"):
        answer = person.get(base(group["id"], screen))
        assert answer.status == 403, screen
        assert "Only admins can manage this group's invite link" in answer.text
    csrf = person.get("/console").forms[0].fields["csrf"]  # the sign-out form's token
    for screen, data in (
        ("invite/new", {"name": "Mine"}),
        (f"invite/links/{link['id']}/pause", {"pause": "1d"}),
        (f"invite/links/{link['id']}/revoke", {}),
    ):
        answer = person.client.post(base(group["id"], screen), data={"csrf": csrf, **data})
        assert answer.status_code == 403, screen
    assert read_link(api, group["id"], link["id"])["state"] == "active"
    assert len(all_links(api, group["id"])) == 2
