"""Helpers for the Idempotency-Key tests: keyed calls, the key table, a gated receiver."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import sqlalchemy as sa

from grouplink.services.core import Core
from grouplink.store.tables import audit_log, idempotency_keys
from tests.support import Business, with_core

REPLAYED = "Idempotent-Replayed"


def new_key() -> str:
    return f"retry-{secrets.token_hex(8)}"


def create(api: httpx.Client, biz: Business, key: str | None, **fields: Any) -> httpx.Response:
    """POST /{phone_number_id}/groups, with ``key`` as its Idempotency-Key (None: none)."""
    body = {"messaging_product": "whatsapp", "subject": "Retried group", **fields}
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post(f"/{biz.phone_number_id}/groups", json=body, headers=headers)


def group_ids(api: httpx.Client, biz: Business, subject: str) -> list[str]:
    """The ids of the business's live groups called ``subject``."""
    answer = api.get(f"/{biz.phone_number_id}/groups", params={"limit": 1024})
    assert answer.status_code == 200, answer.text
    return [g["id"] for g in answer.json()["data"]["groups"] if g["subject"] == subject]


def assert_replay_of(first: httpx.Response, again: httpx.Response) -> None:
    """``again`` is ``first`` sent again: same status and body, and says it is a replay."""
    assert REPLAYED not in first.headers, first.headers
    assert again.headers.get(REPLAYED) == "true", (again.status_code, again.headers, again.text)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["content-type"] == first.headers["content-type"]


def run_sql(database_url: str, *statements: str) -> None:
    """Statements in one write transaction on the server's database."""

    async def run(core: Core) -> None:
        async with core.db.write() as conn:
            for statement in statements:
                await conn.exec_driver_sql(statement)

    with_core(database_url, run)


def kept_keys(database_url: str, business_id: str) -> list[str]:
    """The keys kept for a business, expired or not."""

    async def read(core: Core) -> list[str]:
        async with core.db.read() as conn:
            query = sa.select(idempotency_keys.c.key).where(
                idempotency_keys.c.business_id == business_id
            )
            return [str(k) for k in (await conn.execute(query)).scalars()]

    return with_core(database_url, read)


def make_old(database_url: str, business_id: str, key: str, age_ms: int) -> None:
    """Back-date a kept key by ``age_ms``, as if it were made that long ago."""

    async def update(core: Core) -> None:
        async with core.db.write() as conn:
            await conn.execute(
                sa.update(idempotency_keys)
                .where(
                    idempotency_keys.c.business_id == business_id,
                    idempotency_keys.c.key == key,
                )
                .values(created_at=idempotency_keys.c.created_at - age_ms)
            )

    with_core(database_url, update)


def audit_count(database_url: str, business_id: str, action: str) -> int:
    async def count(core: Core) -> int:
        async with core.db.read() as conn:
            query = (
                sa.select(sa.func.count())
                .select_from(audit_log)
                .where(audit_log.c.business_id == business_id, audit_log.c.action == action)
            )
            return int(await conn.scalar(query) or 0)

    return with_core(database_url, count)


def refuse_keeping(database_url: str, backend: str, business_id: str, name: str) -> None:
    """A trigger that fails every insert of a kept answer for this business: the moment
    between a write and the keeping of its answer goes wrong, for this business alone."""
    if backend == "sqlite":
        run_sql(
            database_url,
            f"CREATE TRIGGER {name} BEFORE INSERT ON idempotency_keys "
            f"WHEN NEW.business_id = '{business_id}' BEGIN SELECT RAISE(ABORT, 'refused'); END",
        )
        return
    run_sql(
        database_url,
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused'; END $$",
        f"CREATE TRIGGER {name} BEFORE INSERT ON idempotency_keys FOR EACH ROW "
        f"WHEN (NEW.business_id = '{business_id}') EXECUTE FUNCTION {name}()",
    )


def allow_keeping(database_url: str, backend: str, name: str) -> None:
    if backend == "sqlite":
        run_sql(database_url, f"DROP TRIGGER {name}")
    else:
        run_sql(
            database_url,
            f"DROP TRIGGER {name} ON idempotency_keys",
            f"DROP FUNCTION {name}()",
        )


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


class GatedReceiver:
    """A webhook receiver whose hub.challenge handshakes wait until :meth:`open`: holds
    a subscription request inside the server for as long as a test needs."""

    verify_token = "gated-token"

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.handshakes = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with receiver._lock:
                    receiver.handshakes += 1
                receiver.gate.wait(30)
                challenge = parse_qs(urlsplit(self.path).query).get("hub.challenge", [""])[0]
                body = challenge.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhook"

    def seen(self) -> int:
        with self._lock:
            return self.handshakes

    def open(self) -> None:
        self.gate.set()

    def stop(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()
