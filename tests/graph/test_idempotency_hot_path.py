"""A write without Idempotency-Key runs exactly the statements it ran before the
mechanism existed; one with a key adds only the key's own.

Measured on the statements each server sends to the database: two real servers in
this process (uvicorn, real HTTP, the real database), one built as always and one
with the Idempotency-Key middleware taken out, each counting what it executes.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import event

from grouplink.app import create_app
from grouplink.graph.idempotency import IdempotentWrites
from grouplink.settings import Settings
from tests.conftest import free_port
from tests.graph.idempotency_support import create, new_key, wait_until
from tests.support import Business, make_business

_KEYS_OWN = ("idempotency_keys", "SAVEPOINT", "pg_try_advisory_xact_lock")


class CountingServer:
    """A grouplink app served by uvicorn in a thread, noting every statement it runs."""

    def __init__(self, app: FastAPI) -> None:
        self.statements: list[str] = []
        self.port = free_port()
        engine = app.state.core.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._note)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_until(lambda: self.server.started, timeout=60)

    def _note(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # Only what a request runs: the background loops (rotation, counts, sweeps)
        # run on their own schedule, whatever the requests.
        task = asyncio.current_task()
        if task is not None and "run_asgi" in task.get_coro().__qualname__:
            self.statements.append(statement)

    def graph(self) -> str:
        return f"http://127.0.0.1:{self.port}/v23.0"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def _app(database_url: str, data_dir: Path, *, keys: bool) -> FastAPI:
    settings = Settings(database_url=database_url, data_dir=data_dir, dispatcher="off")
    app = create_app(settings)
    if not keys:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not IdempotentWrites]
    return app


@pytest.fixture(params=["sqlite", "postgresql"])
def servers(
    request: pytest.FixtureRequest, database_urls: dict[str, str | None], tmp_path: Path
) -> Iterator[tuple[CountingServer, CountingServer, str]]:
    url = database_urls[request.param]
    if url is None:
        pytest.skip("PostgreSQL is not reachable; CI runs it")
    with_keys = CountingServer(_app(url, tmp_path, keys=True))
    without = CountingServer(_app(url, tmp_path, keys=False))
    try:
        yield with_keys, without, url
    finally:
        with_keys.stop()
        without.stop()


def _statements(server: CountingServer, biz: Business, key: str | None) -> list[str]:
    with httpx.Client(base_url=server.graph(), headers=biz.auth, timeout=30) as api:
        create(api, biz, None)  # warm: the token is read and kept once
        server.statements.clear()
        answer = create(api, biz, key, subject="Counted")
        assert answer.status_code == 200, answer.text
    return list(server.statements)


def test_a_write_without_the_header_does_no_extra_database_work(
    servers: tuple[CountingServer, CountingServer, str],
) -> None:
    with_keys, without, url = servers
    biz = make_business(url, with_keys.graph())
    plain = _statements(with_keys, biz, None)
    baseline = _statements(without, biz, None)
    assert plain == baseline
    assert not [s for s in plain if any(word in s for word in _KEYS_OWN)], plain

    keyed = _statements(with_keys, biz, new_key())
    assert not Counter(plain) - Counter(keyed)  # the write itself, unchanged
    extra = list((Counter(keyed) - Counter(plain)).elements())
    # The key's own: take it (PostgreSQL: an advisory lock) and look it up (SQLite: first
    # in a read of its own, which begins), the write under a savepoint, keep the answer.
    assert all(any(w in s for w in _KEYS_OWN) or s.startswith("BEGIN") for s in extra), extra
    assert len(extra) == (6 if url.startswith("sqlite") else 5), extra
