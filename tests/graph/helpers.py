"""Helpers shared by the Graph contract tests: envelopes, people, links, the outbox."""

from __future__ import annotations

import asyncio
import json
import string
from typing import Any

import httpx
import sqlalchemy as sa

from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.tables import outbox
from tests.meta_schemas import check_response
from tests.support import Business, create_group

BASE62 = frozenset(string.digits + string.ascii_letters)
WHATSAPP = {"messaging_product": "whatsapp"}


_http: httpx.Client | None = None


def http() -> httpx.Client:
    """One client for the whole run: making one costs ~65 ms of CPU (its TLS context).
    Its Graph answers are checked against Meta's schemas too."""
    global _http
    if _http is None:
        _http = httpx.Client(timeout=30, event_hooks={"response": [check_response]})
    return _http


def join(biz: Business, code: str, wa_id: str) -> httpx.Response:
    """A person opens the invite link (the sandbox helper), as ``tests.support.join``."""
    return http().post(
        f"{biz.root}/sandbox/invites/{code}/join", json={"wa_id": wa_id}, headers=biz.auth
    )


def phone(n: int) -> str:
    """A distinct, valid US wa_id per small integer: 1555010NNNN."""
    return f"1555010{n:04d}"


def assert_envelope(answer: httpx.Response, status: int, code: int | None = None) -> dict[str, Any]:
    """The Graph error envelope of WIRE.md, with ``status`` and (if given) ``code``."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    error = assert_error_body(answer.headers["content-type"], answer.json())
    if code is not None:
        assert error["code"] == code, error
    return error


def assert_error_body(content_type: str, body: Any) -> dict[str, Any]:
    """The envelope's shape, whatever its status and code; returns its ``error``."""
    assert content_type.startswith("application/json"), content_type
    assert isinstance(body, dict) and list(body) == ["error"], body  # never a bare "detail"
    error = body["error"]
    assert isinstance(error["message"], str) and error["message"].strip(), error
    assert error["type"] == "OAuthException", error
    assert type(error["code"]) is int, error
    assert error["error_data"]["messaging_product"] == "whatsapp", error
    details = error["error_data"]["details"]
    assert isinstance(details, str) and details.strip(), error
    assert isinstance(error["fbtrace_id"], str) and error["fbtrace_id"].strip(), error
    return dict(error)


def assert_err_object(err: dict[str, Any], code: int) -> None:
    """WIRE.md ``Err``: {"code", "message", "title", "error_data": {"details"}}."""
    assert err["code"] == code, err
    assert isinstance(err["message"], str) and err["message"].strip(), err
    assert isinstance(err["title"], str) and err["title"].strip(), err
    assert isinstance(err["error_data"]["details"], str) and err["error_data"]["details"], err


def assert_invite_code(code: str) -> None:
    assert len(code) == 22, code
    assert set(code) <= BASE62, code


def code_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def approval_group(api: httpx.Client, biz: Business, **fields: Any) -> dict[str, Any]:
    return create_group(api, biz, join_approval_mode="approval_required", **fields)


def group_fields(api: httpx.Client, group_id: str, fields: str) -> dict[str, Any]:
    answer = api.get(f"/{group_id}", params={"fields": fields})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def participants_of(api: httpx.Client, group_id: str) -> list[dict[str, str]]:
    return list(group_fields(api, group_id, "participants")["participants"])


def wa_ids_of(api: httpx.Client, group_id: str) -> list[str]:
    return [p["wa_id"] for p in participants_of(api, group_id)]


def count_of(api: httpx.Client, group_id: str) -> int:
    return int(group_fields(api, group_id, "total_participant_count")["total_participant_count"])


def pending_of(api: httpx.Client, group_id: str) -> list[dict[str, Any]]:
    answer = api.get(f"/{group_id}/join_requests", params={"limit": 1024})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["data"])


def joined(biz: Business, code: str, wa_id: str) -> dict[str, Any]:
    """Join through ``code``, expecting success."""
    answer = join(biz, code, wa_id)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def ask(biz: Business, code: str, wa_id: str) -> str:
    """Ask to join an approval-required group; the join request id."""
    answer = joined(biz, code, wa_id)
    assert answer["status"] == "requested", answer
    return str(answer["join_request_id"])


def assert_dead_code(biz: Business, code: str, wa_id: str) -> None:
    """A reset, deleted or unknown code: HTTP 400, code 100, nobody joins."""
    assert_envelope(join(biz, code, wa_id), 400, 100)


def cancel(biz: Business, code: str, wa_id: str) -> httpx.Response:
    return http().post(
        f"{biz.root}/sandbox/invites/{code}/cancel", json={"wa_id": wa_id}, headers=biz.auth
    )


def leave(biz: Business, group_id: str, wa_id: str) -> httpx.Response:
    return http().post(
        f"{biz.root}/sandbox/groups/{group_id}/leave", json={"wa_id": wa_id}, headers=biz.auth
    )


def sandbox_post(biz: Business, path: str) -> httpx.Response:
    """A sandbox helper without a body, e.g. ``groups/{id}/suspend``."""
    return http().post(f"{biz.root}/sandbox/{path}", headers=biz.auth)


def reset_link(api: httpx.Client, group_id: str) -> str:
    answer = api.post(f"/{group_id}/invite_link", json=WHATSAPP)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["invite_link"])


class OutboxRows:
    """Reads a business's outbox rows, oldest first, over one connection pool."""

    def __init__(self, database_url: str, business_id: str) -> None:
        self.business_id = business_id
        self._runner = asyncio.Runner()
        self._db = Database(normalize_database_url(database_url), pool_size=1)

    def all(self) -> list[dict[str, Any]]:
        """Each row as {"field", "phone_number_id", "item"} (the decoded payload)."""
        return self._runner.run(self._read())

    async def _read(self) -> list[dict[str, Any]]:
        async with self._db.read() as conn:
            rows = await conn.execute(
                sa.select(outbox.c.field, outbox.c.phone_number_id, outbox.c.payload)
                .where(outbox.c.business_id == self.business_id)
                .order_by(outbox.c.pk)
            )
            return [
                {
                    "field": row.field,
                    "phone_number_id": row.phone_number_id,
                    "item": json.loads(row.payload),
                }
                for row in rows
            ]

    def close(self) -> None:
        self._runner.run(self._db.dispose())
        self._runner.close()
