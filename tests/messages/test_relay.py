"""Outside the sandbox, with GROUPLINK_MESSAGES_RELAY on, a send is relayed to the Cloud
API the GROUPLINK_WHATSAPP_* settings name (here a local receiver standing in for
Meta): Meta's id comes back to the caller; a refusal is an error answer and nothing
is recorded as sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Server, own_server
from tests.graph.helpers import assert_envelope
from tests.messages.helpers import audit_rows, send_text
from tests.meta_schemas import graph_client
from tests.receiver import Receiver
from tests.support import make_business

META_NUMBER = "106540352242922"
META_ID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA"
META_ANSWER = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "15550100401", "wa_id": "15550100401"}],
    "messages": [{"id": META_ID}],
}


@pytest.fixture(scope="module")
def stand_in() -> Iterator[Receiver]:
    running = Receiver(success_body=json.dumps(META_ANSWER).encode()).start()
    yield running
    running.stop()


@pytest.fixture
def meta(stand_in: Receiver) -> Iterator[Receiver]:
    """The stand-in for Meta, answering 200 with nothing received yet; each test may
    change its answer or stop it, and it is as before for the next (on the same port)."""
    yield stand_in
    stand_in.stop()
    stand_in.status, stand_in.failure_body = Receiver.status, Receiver.failure_body
    stand_in.deliveries.clear()
    stand_in.start(stand_in.port)


@pytest.fixture(scope="module")
def relaying(
    server: Server, stand_in: Receiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One relaying server per backend for the module: each test makes its own business."""
    with own_server(
        server.backend,
        tmp_path_factory.mktemp("relaying"),
        sandbox="false",
        messages_relay="true",
        whatsapp_base_url=f"http://127.0.0.1:{stand_in.port}",
        whatsapp_phone_number_id=META_NUMBER,
        whatsapp_token="meta-system-user-token",
    ) as srv:
        yield srv


def test_a_send_is_relayed_and_answers_metas_id(relaying: Server, meta: Receiver) -> None:
    biz = make_business(relaying.database_url, relaying.graph)
    with graph_client(biz.graph, biz.token) as api:
        answer = send_text(api, biz, "+1 555 010 0401", "Join: https://example.com/AbC")
        assert answer.status_code == 200, answer.text
        assert answer.json()["messages"][0]["id"] == META_ID
        assert answer.json()["contacts"][0]["wa_id"] == "15550100401"

        [relayed] = meta.received()
        assert relayed.path == f"/v23.0/{META_NUMBER}/messages"
        assert relayed.headers["Authorization"] == "Bearer meta-system-user-token"
        assert json.loads(relayed.body) == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "15550100401",
            "type": "text",
            "text": {"body": "Join: https://example.com/AbC", "preview_url": False},
        }
        [row] = audit_rows(relaying.database_url, biz.business_id, "message.send")
        assert row["detail"]["via"] == "relay" and row["detail"]["message_id"] == META_ID

        # No sandbox: no inbox to look in.
        inbox = api.get(f"{biz.root}/sandbox/people/15550100401/messages", headers=biz.auth)
        assert inbox.status_code == 404


def test_a_refusal_is_an_error_and_nothing_is_sent(relaying: Server, meta: Receiver) -> None:
    biz = make_business(relaying.database_url, relaying.graph)
    meta.status = 400
    meta.failure_body = json.dumps(
        {"error": {"message": "(#131030) Recipient not in allowed list", "code": 131030}}
    ).encode()
    with graph_client(biz.graph, biz.token) as api:
        answer = send_text(api, biz, "15550100402", "hello")
    error = assert_envelope(answer, 400, 131026)
    assert "131030" in error["error_data"]["details"], error
    assert audit_rows(relaying.database_url, biz.business_id, "message.send") == []


def test_an_unreachable_cloud_api_is_an_error(relaying: Server, meta: Receiver) -> None:
    biz = make_business(relaying.database_url, relaying.graph)
    meta.stop()
    with graph_client(biz.graph, biz.token) as api:
        answer = send_text(api, biz, "15550100403", "hello")
    error = assert_envelope(answer, 400, 131026)
    assert "could not be reached" in error["error_data"]["details"], error
    assert audit_rows(relaying.database_url, biz.business_id, "message.send") == []


def test_without_sandbox_or_relay_a_send_is_undeliverable(server: Server, tmp_path: Path) -> None:
    with own_server(server.backend, tmp_path, sandbox="false") as plain:
        biz = make_business(plain.database_url, plain.graph)
        with graph_client(biz.graph, biz.token) as api:
            answer = send_text(api, biz, "15550100404", "hello")
        error = assert_envelope(answer, 400, 131026)
        assert "GROUPLINK_MESSAGES_RELAY" in error["error_data"]["details"], error
        assert audit_rows(plain.database_url, biz.business_id, "message.send") == []
