"""Helpers for tests of a group's several invite links (WIRE.md L1-L5): make and read
links, read a refusal's reason, and look in the database for what a join left behind."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from grouplink.services.core import Core
from tests.support import with_core

WHATSAPP = {"messaging_product": "whatsapp"}
DEAD_LINK = 100  # every refusal by a link: its reason is in error_data.details


def code_of(link: str) -> str:
    """The code of an invite link: the URL's last path segment."""
    return link.rsplit("/", 1)[1]


def make_link(api: httpx.Client, group_id: str, **fields: Any) -> dict[str, Any]:
    """POST /{group_id}/invite_links; the InviteLink with its ``code`` added."""
    made = api.post(f"/{group_id}/invite_links", json={**WHATSAPP, **fields})
    assert made.status_code == 200, made.text
    body: dict[str, Any] = made.json()
    assert body["messaging_product"] == "whatsapp" and body["request_id"], body
    assert body["is_primary"] is False and body["state"] == "active", body
    return {**body, "code": code_of(body["invite_link"])}


def read_link(api: httpx.Client, group_id: str, link_id: str) -> dict[str, Any]:
    answer = api.get(f"/{group_id}/invite_links/{link_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def refusal(answer: httpx.Response) -> str | None:
    """The reason a link refused someone (``used_up``, ``paused``...), or None if the
    answer is not a link's refusal (another error, or a success)."""
    if answer.status_code != 400:
        return None
    error = answer.json().get("error", {})
    if error.get("code") != DEAD_LINK:
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
