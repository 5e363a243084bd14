"""Helpers for the send-message tests: the call as code written for Meta makes it,
the person's sandbox inbox, and the audit rows a send leaves."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import sqlalchemy as sa

from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.tables import audit_log
from tests.graph.helpers import http
from tests.support import Business


def send_text(api: httpx.Client, biz: Business, to: str, body: str, **more: Any) -> httpx.Response:
    """POST /{phone_number_id}/messages with a text message, as Meta's docs show it."""
    message = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": body},
        **more,
    }
    return api.post(f"/{biz.phone_number_id}/messages", json=message)


def inbox(biz: Business, wa_id: str) -> list[dict[str, Any]]:
    answer = http().get(f"{biz.root}/sandbox/people/{wa_id}/messages", headers=biz.auth)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def audit_rows(database_url: str, business_id: str, action: str) -> list[dict[str, Any]]:
    """The business's audit rows of ``action``, oldest first, as {actor, door, detail}."""

    async def read() -> list[dict[str, Any]]:
        db = Database(normalize_database_url(database_url), pool_size=1)
        try:
            async with db.read() as conn:
                rows = await conn.execute(
                    sa.select(audit_log)
                    .where(audit_log.c.business_id == business_id, audit_log.c.action == action)
                    .order_by(audit_log.c.pk)
                )
                return [
                    {"actor": r.actor, "door": r.door, "detail": json.loads(r.detail)} for r in rows
                ]
        finally:
            await db.dispose()

    return asyncio.run(read())
