"""The real pywa client against a real grouplink server, on both backends.

pywa has no base-URL option: ``GraphAPI.__init__`` pins ``graph.facebook.com``,
so the fixture points the client's httpx session at grouplink afterwards, the
one line a pywa user changes to switch from Meta to grouplink.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from pywa import WhatsApp
from pywa import errors as pywa_errors
from pywa.types.groups import GroupJoinApprovalMode
from pywa_async import WhatsApp as AsyncWhatsApp

from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.tables import groups as groups_table
from tests.conftest import Server
from tests.images import gray_jpeg
from tests.support import Business, join, make_business

BSUID = re.compile(r"^[A-Z]{2}\.\d+$")
CODE = re.compile(r"^[0-9A-Za-z]{22}$")


# --- fixtures and helpers ----------------------------------------------------------------


def pywa_client(biz: Business, token: str | None = None) -> WhatsApp:
    """A pywa client for ``biz`` that talks to grouplink instead of graph.facebook.com."""
    wa = WhatsApp(
        phone_id=biz.phone_number_id,
        token=token or biz.token,
        api_version="23.0",
        session=httpx.Client(timeout=30),
    )
    wa.api._session.base_url = biz.graph  # the only change from code written for Meta
    return wa


@pytest.fixture
def wa(biz: Business) -> Iterator[WhatsApp]:
    client = pywa_client(biz)
    yield client
    client.api._session.close()


def new_group(wa: WhatsApp, subject: str = "Test group", **fields: Any) -> str:
    """Create a group through pywa's raw call, which keeps grouplink's extra ``id``."""
    answer = wa.api.create_group(phone_id=wa.phone_id, subject=subject, **fields)
    assert answer["request_id"]
    return str(answer["id"])


def code_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def join_ok(biz: Business, link: str, wa_id: str) -> dict[str, Any]:
    answer = join(biz, code_of(link), wa_id)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def join_error_code(biz: Business, link: str, wa_id: str) -> int:
    answer = join(biz, code_of(link), wa_id)
    assert answer.status_code == 400, answer.text
    return int(answer.json()["error"]["code"])


def stored_picture_sha256(server: Server, group_id: str) -> str | None:
    """The group's picture as grouplink stored it (the Graph API has no read call for it)."""

    async def run() -> str | None:
        db = Database(normalize_database_url(server.database_url), pool_size=1)
        try:
            async with db.read() as conn:
                return await conn.scalar(
                    sa.select(groups_table.c.picture_sha256).where(groups_table.c.id == group_id)
                )
        finally:
            await db.dispose()

    return asyncio.run(run())


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


# --- groups: create, read, list ----------------------------------------------------------


def test_create_group_then_get_group_reads_every_field(wa: WhatsApp, biz: Business) -> None:
    before = utc_now().replace(microsecond=0)
    operation = wa.create_group(
        subject="  Book club  ",
        description="Monthly meetups",
        join_approval_mode=GroupJoinApprovalMode.AUTO_APPROVE,
    )
    assert operation.request_id
    # pywa hides grouplink's "id"; a pywa user finds the new group in the list.
    [listed] = wa.api.get_active_groups(phone_id=wa.phone_id)["data"]["groups"]
    group_id = listed["id"]

    group = wa.get_group(group_id)
    assert group.id == group_id
    assert group.subject == "Book club"
    assert group.description == "Monthly meetups"
    assert group.join_approval_mode is GroupJoinApprovalMode.AUTO_APPROVE
    assert group.suspended is False
    assert group.total_participant_count == 0
    assert group.participants == []
    assert before <= group.creation_timestamp <= utc_now()

    link = wa.get_group_invite_link(group_id).link
    assert join_ok(biz, link, "+44 7700 900123")["status"] == "joined"
    assert join_ok(biz, link, "16315550101")["status"] == "joined"
    group = wa.get_group(group_id)
    assert group.total_participant_count == 2
    by_phone = {p.wa_id: p for p in group.participants}
    assert set(by_phone) == {"447700900123", "16315550101"}
    assert by_phone["447700900123"].bsuid.startswith("GB.")
    assert by_phone["16315550101"].bsuid.startswith("US.")
    assert all(BSUID.match(p.bsuid) for p in group.participants)


def test_raw_create_answers_the_new_group_id(wa: WhatsApp) -> None:
    answer = wa.api.create_group(
        phone_id=wa.phone_id, subject="Gated", join_approval_mode="approval_required"
    )
    assert answer["messaging_product"] == "whatsapp"
    assert answer["request_id"]
    group = wa.get_group(answer["id"])
    assert group.subject == "Gated"
    assert group.description == ""
    assert group.join_approval_mode is GroupJoinApprovalMode.APPROVAL_REQUIRED


def test_list_groups_through_the_raw_call_has_wire_shape_and_pages(
    wa: WhatsApp, biz: Business
) -> None:
    made = [new_group(wa, f"Group {n}") for n in range(3)]
    answer = wa.api.get_active_groups(phone_id=wa.phone_id)
    listed = answer["data"]["groups"]
    assert {g["id"] for g in listed} == set(made)
    assert {g["subject"] for g in listed} == {"Group 0", "Group 1", "Group 2"}
    assert all(set(g) >= {"id", "subject", "created_at"} for g in listed)

    first = wa.api.get_active_groups(phone_id=wa.phone_id, pagination={"limit": "2"})
    assert len(first["data"]["groups"]) == 2
    # pywa follows paging.next exactly as received: it must be absolute and on grouplink.
    assert first["paging"]["next"].startswith(f"{biz.graph}/{wa.phone_id}/groups?")
    rest = wa.api.get_active_groups(
        phone_id=wa.phone_id,
        pagination={"limit": "2", "after": first["paging"]["cursors"]["after"]},
    )
    # Newest first, as on Meta.
    assert [g["id"] for g in first["data"]["groups"]] == [made[2], made[1]]
    assert [g["id"] for g in rest["data"]["groups"]] == [made[0]]
    assert "next" not in rest["paging"]


# --- invite links ------------------------------------------------------------------------


def test_get_and_reset_invite_link_kills_the_old_code(wa: WhatsApp, biz: Business) -> None:
    group_id = new_group(wa)
    link = wa.get_group_invite_link(group_id)
    assert CODE.match(code_of(link.link))
    assert wa.get_group_invite_link(group_id).link == link.link  # stable until reset

    fresh = wa.reset_group_invite_link(group_id)
    assert fresh.link != link.link and CODE.match(code_of(fresh.link))
    assert wa.get_group_invite_link(group_id).link == fresh.link
    assert join_error_code(biz, link.link, "16315550201") == 100  # old code is dead
    assert join_ok(biz, fresh.link, "16315550202")["status"] == "joined"

    # The convenience method on the returned object resets again.
    newest = fresh.reset()
    assert newest.link not in (link.link, fresh.link)
    assert join_error_code(biz, fresh.link, "16315550203") == 100
    assert join_ok(biz, newest.link, "16315550203")["group_id"] == group_id
    assert wa.get_group(group_id).total_participant_count == 2


# --- settings ----------------------------------------------------------------------------


def test_update_subject_and_description(wa: WhatsApp) -> None:
    group_id = new_group(wa, "Old subject", description="Old description")
    operation = wa.update_group_settings(
        group_id, subject="New subject", description="New description", profile_picture=None
    )
    assert operation.request_id
    group = wa.get_group(group_id)
    assert (group.subject, group.description) == ("New subject", "New description")

    # Through the object's own method, one field at a time.
    group.update(subject="Newest subject", profile_picture=None)
    group = wa.get_group(group_id)
    assert (group.subject, group.description) == ("Newest subject", "New description")


def test_update_profile_picture(
    wa: WhatsApp, server: Server, biz: Business, tmp_path: Path
) -> None:
    group_id = new_group(wa)
    picture = gray_jpeg(192, 192)
    assert wa.update_group_settings(group_id, profile_picture=picture).request_id
    assert stored_picture_sha256(server, group_id) == hashlib.sha256(picture).hexdigest()

    # An open file works too, with a subject in the same call. (pywa 4.5 documents a
    # pathlib.Path as well but hands it to httpx unopened, which fails client-side.)
    bigger = tmp_path / "big.jpg"
    bigger.write_bytes(gray_jpeg(640, 640))
    with bigger.open("rb") as file:
        assert wa.update_group_settings(
            group_id, subject="Pictured", profile_picture=file
        ).request_id
    bigger_sha = hashlib.sha256(bigger.read_bytes()).hexdigest()
    assert stored_picture_sha256(server, group_id) == bigger_sha
    assert wa.get_group(group_id).subject == "Pictured"

    with pytest.raises(pywa_errors.GroupInvalidProfilePictureAspectRatio) as not_square:
        wa.update_group_settings(group_id, profile_picture=gray_jpeg(300, 200))
    assert not_square.value.code == 131209
    assert not_square.value.status_code == 400
    assert "300x200" in not_square.value.details

    with pytest.raises(pywa_errors.GroupImageTooSmall) as too_small:
        wa.update_group_settings(
            group_id, subject="Not applied", profile_picture=gray_jpeg(100, 100)
        )
    assert too_small.value.code == 131210
    assert too_small.value.status_code == 400

    # Refused pictures change nothing, not even the subject sent with them.
    assert stored_picture_sha256(server, group_id) == bigger_sha
    assert wa.get_group(group_id).subject == "Pictured"


# --- join requests -----------------------------------------------------------------------


def test_join_requests_listed_approved_and_rejected(wa: WhatsApp, biz: Business) -> None:
    before = utc_now().replace(microsecond=0)
    group_id = new_group(wa, "Gated", join_approval_mode="approval_required")
    link = wa.get_group_invite_link(group_id).link
    asked = {}
    for wa_id in ("16315550301", "16315550302", "16315550303"):
        answer = join_ok(biz, link, wa_id)
        assert answer["status"] == "requested"
        asked[wa_id] = answer["join_request_id"]

    requests = wa.get_group_join_requests(group_id)
    by_phone = {r.user.wa_id: r for r in requests}
    assert {wa_id: r.id for wa_id, r in by_phone.items()} == asked
    assert all(BSUID.match(r.user.bsuid) and r.user.bsuid.startswith("US.") for r in requests)
    assert all(before <= r.creation_timestamp <= utc_now() for r in requests)
    assert wa.get_group(group_id).total_participant_count == 0

    approved = wa.approve_group_join_requests(group_id, [asked["16315550301"]])
    rejected = wa.reject_group_join_requests(group_id, [asked["16315550302"]])
    assert approved.request_id and rejected.request_id
    by_phone["16315550303"].approve()  # the request object's own method

    group = wa.get_group(group_id)
    assert {p.wa_id for p in group.participants} == {"16315550301", "16315550303"}
    assert group.total_participant_count == 2
    assert list(wa.get_group_join_requests(group_id)) == []


def test_approve_all_and_reject_all_on_the_result(wa: WhatsApp, biz: Business) -> None:
    group_id = new_group(wa, "Gated", join_approval_mode="approval_required")
    link = wa.get_group_invite_link(group_id).link
    for wa_id in ("16315550311", "16315550312"):
        join_ok(biz, link, wa_id)
    assert wa.get_group_join_requests(group_id).approve_all().request_id
    join_ok(biz, link, "16315550313")
    assert wa.get_group_join_requests(group_id).reject_all().request_id
    group = wa.get_group(group_id)
    assert {p.wa_id for p in group.participants} == {"16315550311", "16315550312"}
    assert list(wa.get_group_join_requests(group_id)) == []


def test_partial_approval_is_http_206_which_pywa_does_not_raise(
    wa: WhatsApp, biz: Business
) -> None:
    group_id = new_group(wa, "Gated", join_approval_mode="approval_required")
    link = wa.get_group_invite_link(group_id).link
    first = join_ok(biz, link, "16315550401")["join_request_id"]

    statuses: list[int] = []
    wa.api._session.event_hooks["response"].append(lambda r: statuses.append(r.status_code))

    # pywa raises only for HTTP >= 400: the high-level call returns normally,
    # so a pywa user sees the failures only through the raw call below.
    operation = wa.approve_group_join_requests(group_id, [first, "no-such-request"])
    assert operation.request_id
    assert statuses == [206]
    assert [p.wa_id for p in wa.get_group(group_id).participants] == ["16315550401"]

    second = join_ok(biz, link, "16315550402")["join_request_id"]
    raw = wa.api.approve_group_join_requests(group_id, (second, first))
    assert raw["request_id"]
    assert raw["approved_join_requests"] == [second]
    [failed] = raw["failed_join_requests"]
    assert failed["join_request_id"] == first  # already settled
    assert failed["errors"][0]["code"] == 131213
    assert raw["errors"][0]["code"] == 131201

    third = join_ok(biz, link, "16315550403")["join_request_id"]
    raw = wa.api.reject_group_join_requests(group_id, (third, "no-such-request"))
    assert raw["rejected_join_requests"] == [third]
    assert [f["join_request_id"] for f in raw["failed_join_requests"]] == ["no-such-request"]
    group = wa.get_group(group_id)
    assert {p.wa_id for p in group.participants} == {"16315550401", "16315550402"}
    assert list(wa.get_group_join_requests(group_id)) == []


# --- participants ------------------------------------------------------------------------


def test_remove_participants_by_phone_and_by_bsuid_bans_them(wa: WhatsApp, biz: Business) -> None:
    group_id = new_group(wa)
    link = wa.get_group_invite_link(group_id).link
    people = ["16315550501", "16315550502", "16315550503", "16315550504"]
    for wa_id in people:
        join_ok(biz, link, wa_id)
    bsuid = {p.wa_id: p.bsuid for p in wa.get_group(group_id).participants}

    # pywa sends digits as {"user": ...} and a BSUID as {"user_id": ...}.
    operation = wa.remove_group_participants(group_id, ["16315550501", bsuid["16315550502"]])
    assert operation.request_id
    group = wa.get_group(group_id)
    assert {p.wa_id for p in group.participants} == {"16315550503", "16315550504"}
    assert group.total_participant_count == 2

    # Removed people cannot come back, not even through a fresh link.
    fresh = wa.reset_group_invite_link(group_id).link
    assert join_error_code(biz, fresh, "16315550501") == 131203
    assert join_error_code(biz, fresh, "16315550502") == 131203

    # The participant object's own remove() (pywa sends its preferred id, the BSUID).
    [third] = [p for p in group.participants if p.wa_id == "16315550503"]
    assert third.remove().request_id
    assert [p.wa_id for p in wa.get_group(group_id).participants] == ["16315550504"]
    assert join_error_code(biz, fresh, "16315550503") == 131203

    with pytest.raises(pywa_errors.GroupParticipantNotInGroup) as not_there:
        wa.remove_group_participants(group_id, ["16315550501"])
    assert not_there.value.code == 131212
    assert wa.get_group(group_id).total_participant_count == 1


# --- delete ------------------------------------------------------------------------------


def test_delete_group(wa: WhatsApp, biz: Business) -> None:
    group_id = new_group(wa, "Short-lived")
    link = wa.get_group_invite_link(group_id).link
    join_ok(biz, link, "16315550601")
    keep = new_group(wa, "Kept")

    assert wa.delete_group(group_id).request_id
    with pytest.raises(pywa_errors.GroupUnknown):
        wa.get_group(group_id)
    with pytest.raises(pywa_errors.GroupUnknown):
        wa.get_group_invite_link(group_id)
    with pytest.raises(pywa_errors.GroupUnknown):
        wa.delete_group(group_id)
    assert join_error_code(biz, link, "16315550602") == 100
    listed = wa.api.get_active_groups(phone_id=wa.phone_id)["data"]["groups"]
    assert [g["id"] for g in listed] == [keep]


# --- errors ------------------------------------------------------------------------------


def test_unknown_group_raises_group_unknown_with_details(
    wa: WhatsApp, server: Server, biz: Business
) -> None:
    with pytest.raises(pywa_errors.GroupUnknown) as unknown:
        wa.get_group("123456789012345")
    error = unknown.value
    assert isinstance(error, pywa_errors.GroupError)
    assert error.code == 131041
    assert error.status_code == 400
    assert "131041" in error.message
    assert error.details
    assert error.fbtrace_id

    # Another business's group looks exactly like an unknown one.
    other = pywa_client(make_business(server.database_url, server.graph))
    try:
        foreign = new_group(other, "Not yours")
    finally:
        other.api._session.close()
    for call in (
        lambda: wa.get_group(foreign),
        lambda: wa.get_group_invite_link(foreign),
        lambda: wa.reset_group_invite_link(foreign),
        lambda: wa.get_group_join_requests(foreign),
        lambda: wa.update_group_settings(foreign, subject="Mine", profile_picture=None),
        lambda: wa.remove_group_participants(foreign, ["16315550701"]),
        lambda: wa.delete_group(foreign),
    ):
        with pytest.raises(pywa_errors.GroupUnknown) as foreign_error:
            call()
        assert foreign_error.value.fbtrace_id != error.fbtrace_id


def test_bad_token_raises_code_190(biz: Business) -> None:
    wa = pywa_client(biz, token="not-a-real-token")
    try:
        with pytest.raises(pywa_errors.ExpiredAccessToken) as bad:
            wa.create_group(subject="Nope")
        assert bad.value.code == 190
        assert bad.value.status_code == 401
        assert bad.value.fbtrace_id
        with pytest.raises(pywa_errors.ExpiredAccessToken):
            wa.get_group_invite_link("123456789012345")
    finally:
        wa.api._session.close()
    good = pywa_client(biz)
    try:
        assert good.api.get_active_groups(phone_id=good.phone_id)["data"]["groups"] == []
    finally:
        good.api._session.close()


# --- pywa_async --------------------------------------------------------------------------


def test_pywa_async_client(biz: Business) -> None:
    async def run() -> None:
        async with httpx.AsyncClient(timeout=30) as session:
            wa = AsyncWhatsApp(
                phone_id=biz.phone_number_id, token=biz.token, api_version="23.0", session=session
            )
            wa.api._session.base_url = biz.graph
            assert (await wa.create_group(subject="Async crowd")).request_id
            answer = await wa.api.create_group(
                phone_id=wa.phone_id, subject="Async gated", join_approval_mode="approval_required"
            )
            group_id = answer["id"]

            link = (await wa.get_group_invite_link(group_id)).link
            asked = (await asyncio.to_thread(join_ok, biz, link, "16315550801"))["join_request_id"]
            [request] = list(await wa.get_group_join_requests(group_id))
            assert request.id == asked and request.user.wa_id == "16315550801"
            assert (await wa.approve_group_join_requests(group_id, [asked])).request_id

            group = await wa.get_group(group_id)
            assert group.subject == "Async gated"
            assert group.join_approval_mode is GroupJoinApprovalMode.APPROVAL_REQUIRED
            [person] = group.participants
            assert person.wa_id == "16315550801" and BSUID.match(person.bsuid)

            fresh = (await wa.reset_group_invite_link(group_id)).link
            assert fresh != link
            await wa.update_group_settings(
                group_id, description="Async words", profile_picture=gray_jpeg(200, 200)
            )
            assert (await wa.remove_group_participants(group_id, [person.bsuid])).request_id
            assert (await wa.get_group(group_id)).description == "Async words"
            assert (await wa.get_group(group_id)).participants == []
            assert (await wa.delete_group(group_id)).request_id
            try:
                await wa.get_group(group_id)
            except pywa_errors.GroupUnknown as error:
                assert error.code == 131041 and error.fbtrace_id
            else:
                raise AssertionError("a deleted group must be unknown")

    asyncio.run(run())
