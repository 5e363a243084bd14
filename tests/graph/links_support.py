"""Steps the tests of several invite links share: make, edit and read links, and look
into the database for what a refusal must not leave behind."""

from __future__ import annotations

import time
from typing import Any

import httpx
import sqlalchemy as sa

from grouplink.services.core import Core
from grouplink.store.tables import audit_log, groups, join_requests, participants, people
from tests.graph.helpers import WHATSAPP, assert_envelope, code_of, join
from tests.support import Business, with_core


def new_link(api: httpx.Client, group_id: str, **fields: Any) -> dict[str, Any]:
    answer = api.post(f"/{group_id}/invite_links", json={**WHATSAPP, **fields})
    assert answer.status_code == 200, answer.text
    link = dict(answer.json())
    link["code"] = code_of(link["invite_link"])
    return link


def edit_link(api: httpx.Client, group_id: str, link_id: str, **fields: Any) -> dict[str, Any]:
    answer = api.post(f"/{group_id}/invite_links/{link_id}", json={**WHATSAPP, **fields})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def read_link(api: httpx.Client, group_id: str, link_id: str) -> dict[str, Any]:
    answer = api.get(f"/{group_id}/invite_links/{link_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def revoke(api: httpx.Client, group_id: str, link_id: str) -> None:
    answer = api.request("DELETE", f"/{group_id}/invite_links/{link_id}", json=WHATSAPP)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"messaging_product": "whatsapp", "success": "true"}


def all_links(api: httpx.Client, group_id: str, **params: Any) -> list[dict[str, Any]]:
    answer = api.get(f"/{group_id}/invite_links", params={"limit": 1024, **params})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["data"])


def refused(biz: Business, code: str, wa_id: str, reason: str) -> dict[str, Any]:
    """Joining through ``code`` is refused with a 400 whose details are ``reason``."""
    error = assert_envelope(join(biz, code, wa_id), 400, 100)
    assert error["error_data"]["details"] == reason, error
    return error


def in_seconds(seconds: int) -> int:
    return int(time.time()) + seconds


def wait_until(unix_seconds: int) -> None:
    while time.time() < unix_seconds:
        time.sleep(0.05)


def traces_of(database_url: str, business_id: str, wa_id: str) -> dict[str, int]:
    """What the database holds of a person: their people row, participations, requests."""

    async def read(core: Core) -> dict[str, int]:
        async with core.db.read() as conn:
            person = sa.select(people.c.pk).where(
                people.c.business_id == business_id, people.c.wa_id == wa_id
            )
            found = {
                "people": int(
                    await conn.scalar(sa.select(sa.func.count()).select_from(person.subquery()))
                    or 0
                )
            }
            for name, table in (("participants", participants), ("requests", join_requests)):
                query = sa.select(sa.func.count()).where(table.c.person_pk.in_(person))
                found[name] = int(await conn.scalar(query) or 0)
            return found

    return with_core(database_url, read)


def audit_actions(database_url: str, business_id: str) -> list[tuple[str, str, str]]:
    """(action, door, actor) of the business's audit log, oldest first."""

    async def read(core: Core) -> list[tuple[str, str, str]]:
        async with core.db.read() as conn:
            rows = await conn.execute(
                sa.select(audit_log.c.action, audit_log.c.door, audit_log.c.actor)
                .where(audit_log.c.business_id == business_id)
                .order_by(audit_log.c.pk)
            )
            return [(r.action, r.door, r.actor) for r in rows]

    return with_core(database_url, read)


def make_rotation_due(database_url: str, group_id: str) -> None:
    """Move a group's next rotation into the past, as if its N days had gone by."""

    async def write(core: Core) -> None:
        async with core.db.write() as conn:
            await conn.execute(
                sa.update(groups).where(groups.c.id == group_id).values(next_rotation_at=1)
            )

    with_core(database_url, write)


def refusal(answer: httpx.Response) -> str | None:
    """The reason a link refused someone (``used_up``, ``paused``...), or None if the
    answer is not a link's refusal (another error, or a success)."""
    if answer.status_code != 400:
        return None
    error = answer.json().get("error", {})
    if error.get("code") != 100:  # every refusal by a link is code 100
        return None
    details = error.get("error_data", {}).get("details")
    return details if isinstance(details, str) else None


def people_stored(database_url: str, business_id: str) -> set[str]:
    """The phone numbers of every person the business's database holds."""

    async def read(core: Core) -> set[str]:
        async with core.db.read() as conn:
            found = await conn.execute(
                sa.text("SELECT wa_id FROM people WHERE business_id = :b"), {"b": business_id}
            )
            return {str(row.wa_id) for row in found}

    return with_core(database_url, read)


def requests_stored(database_url: str, group_id: str) -> list[str]:
    """The phone numbers of everyone with a join request to the group, in any state."""

    async def read(core: Core) -> list[str]:
        async with core.db.read() as conn:
            found = await conn.execute(
                sa.text(
                    "SELECT p.wa_id FROM join_requests r JOIN people p ON p.pk = r.person_pk "
                    "JOIN groups g ON g.pk = r.group_pk WHERE g.id = :g"
                ),
                {"g": group_id},
            )
            return [str(row.wa_id) for row in found]

    return with_core(database_url, read)


def joined_at(database_url: str, group_id: str) -> dict[str, tuple[int, str | None]]:
    """wa_id -> (joined_at in unix ms, the id of the link they came through) of each
    participant of the group, as stored."""

    async def read(core: Core) -> dict[str, tuple[int, str | None]]:
        async with core.db.read() as conn:
            found = await conn.execute(
                sa.text(
                    "SELECT p.wa_id, m.joined_at, l.id AS link_id FROM participants m "
                    "JOIN people p ON p.pk = m.person_pk JOIN groups g ON g.pk = m.group_pk "
                    "LEFT JOIN invite_links l ON l.pk = m.link_pk WHERE g.id = :g"
                ),
                {"g": group_id},
            )
            return {str(r.wa_id): (int(r.joined_at), r.link_id) for r in found}

    return with_core(database_url, read)
