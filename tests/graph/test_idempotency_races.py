"""Idempotency-Key under concurrency and failure: one key, one write, whatever happens
between the requests, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import Server
from tests.graph.helpers import assert_envelope
from tests.graph.idempotency_support import (
    REPLAYED,
    GatedReceiver,
    allow_keeping,
    assert_replay_of,
    audit_count,
    create,
    group_ids,
    kept_keys,
    new_key,
    refuse_keeping,
    wait_until,
)
from tests.support import Business


@pytest.fixture
def gated() -> Iterator[GatedReceiver]:
    receiver = GatedReceiver()
    yield receiver
    receiver.stop()


def test_concurrent_requests_with_one_key_write_once(api: httpx.Client, biz: Business) -> None:
    key, clients = new_key(), 6

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=60) as client:
            return create(client, biz, key, subject="Raced")

    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(send, range(clients)))
    made = group_ids(api, biz, "Raced")
    assert len(made) == 1, made
    firsts = [a for a in answers if a.status_code == 200 and REPLAYED not in a.headers]
    assert len(firsts) == 1, [(a.status_code, a.headers.get(REPLAYED)) for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert_envelope(answer, 409, 100)
        elif answer is not firsts[0]:
            assert_replay_of(firsts[0], answer)
    assert firsts[0].json()["id"] == made[0]


def _subscribe(biz: Business, receiver: GatedReceiver, key: str) -> httpx.Response:
    body = {
        "object": "whatsapp_business_account",
        "callback_url": receiver.url,
        "verify_token": receiver.verify_token,
        "fields": "group_lifecycle_update",
    }
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=60) as client:
        return client.post(
            f"/{biz.business_id}/subscriptions", json=body, headers={"Idempotency-Key": key}
        )


def test_a_second_request_while_the_first_runs_never_writes_twice(
    server: Server, biz: Business, gated: GatedReceiver
) -> None:
    """The first subscription request is held in its webhook handshake. On PostgreSQL
    the second with the same key is answered 409 at once; on SQLite it runs up to its
    write, which waits for the first's commit, and gets the first's answer."""
    key = new_key()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(_subscribe, biz, gated, key)
        wait_until(lambda: gated.seen() == 1)
        second = pool.submit(_subscribe, biz, gated, key)
        if server.backend == "postgresql":
            refused = second.result(timeout=30)
            assert_envelope(refused, 409, 100)
            assert refused.headers["retry-after"] == "1"
            assert gated.seen() == 1  # refused before it ran
            assert kept_keys(server.database_url, biz.business_id) == []
        else:
            wait_until(lambda: gated.seen() == 2)
        gated.open()
        answers = [first.result(timeout=30)]
        if server.backend == "sqlite":
            answers.append(second.result(timeout=30))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    [done] = [a for a in answers if REPLAYED not in a.headers]
    for answer in answers:
        if answer is not done:
            assert_replay_of(done, answer)
    assert audit_count(server.database_url, biz.business_id, "webhook.subscribe") == 1
    assert_replay_of(done, _subscribe(biz, gated, key))
    assert audit_count(server.database_url, biz.business_id, "webhook.subscribe") == 1


def test_a_write_whose_answer_cannot_be_kept_is_not_done(
    server: Server, api: httpx.Client, biz: Business
) -> None:
    """What a crash between the write and the keeping of its answer would do: they are
    one transaction, so neither is kept; the answer is a 5xx and the key may be retried."""
    trigger = f"refuse_{secrets.token_hex(6)}"
    key = new_key()
    refuse_keeping(server.database_url, server.backend, biz.business_id, trigger)
    try:
        failed = create(api, biz, key, subject="Atomic")
        assert_envelope(failed, 500, 1)
        assert group_ids(api, biz, "Atomic") == []  # the write was rolled back with it
    finally:
        allow_keeping(server.database_url, server.backend, trigger)
    again = create(api, biz, key, subject="Atomic")
    assert again.status_code == 200, again.text
    assert REPLAYED not in again.headers  # a 5xx is not kept: this one ran
    assert group_ids(api, biz, "Atomic") == [again.json()["id"]]
    assert_replay_of(again, create(api, biz, key, subject="Atomic"))
