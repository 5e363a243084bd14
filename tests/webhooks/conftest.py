"""Servers for webhook tests, one of each per backend for the whole session.

``fast_server`` retries quickly and gives up soon, so retries and dead letters
take seconds; ``quiet_server`` delivers nothing itself (dispatcher off), so
`grouplink worker` processes do. Each has a database of its own: the shared
server's dispatchers must not deliver these tests' events with other settings.
Tests stay apart by making their own business and receiver.

Also here: a ``receiver`` on loopback for each test, and ``subscribe``, which
points a business's webhooks at one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.tables import outbox, webhook_deliveries
from tests.conftest import Server, own_server
from tests.receiver import Receiver
from tests.support import Business

ALL = "group_lifecycle_update,group_participants_update,group_settings_update,group_status_update"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback, up for the test and stopped after it."""
    started = Receiver().start()
    yield started
    started.stop()


def subscribe(
    api: httpx.Client,
    biz: Business,
    receiver: Receiver,
    *,
    expect: int | None = 200,
    as_json: bool = False,
    **fields: str,
) -> httpx.Response:
    """POST /{business_id}/subscriptions: ``receiver`` for every group field, form-encoded.

    ``fields`` override any part of the body (``fields="group_lifecycle_update"``,
    ``verify_token="wrong"``); ``as_json`` sends it as JSON instead. The answer's
    status must be ``expect`` (None: not checked)."""
    body = {
        "object": "whatsapp_business_account",
        "callback_url": receiver.url,
        "verify_token": receiver.verify_token,
        "fields": ALL,
        **fields,
    }
    url = f"/{biz.business_id}/subscriptions"
    answer = api.post(url, json=body) if as_json else api.post(url, data=body)
    if expect is not None:
        assert answer.status_code == expect, answer.text
    return answer


@pytest.fixture(scope="session")
def fast_server(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with own_server(
        server.backend,
        tmp_path_factory.mktemp(f"fast-{server.backend}"),
        webhook_backoff_base_ms="50",
        webhook_backoff_cap_ms="200",
        # Long enough that no test outlives it on a busy machine; the dead-letter test
        # moves its deliveries' window back in the table instead of waiting for it.
        webhook_retry_seconds="3600",
        webhook_timeout_seconds="0.5",
    ) as srv:
        yield srv


@pytest.fixture(scope="session")
def quiet_server(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with own_server(
        server.backend, tmp_path_factory.mktemp(f"quiet-{server.backend}"), dispatcher="off"
    ) as srv:
        yield srv


def age_retry_window(database_url: str, business_id: str, hours: int) -> None:
    """Move the start of the business's deliveries' retry windows ``hours`` back."""

    async def run() -> None:
        db = Database(normalize_database_url(database_url), pool_size=1)
        mine = sa.select(outbox.c.pk).where(outbox.c.business_id == business_id)
        try:
            async with db.write() as conn:
                await conn.execute(
                    sa.update(webhook_deliveries)
                    .where(webhook_deliveries.c.event_pk.in_(mine))
                    .values(window_start=webhook_deliveries.c.window_start - hours * 3_600_000)
                )
        finally:
            await db.dispose()

    asyncio.run(run())
