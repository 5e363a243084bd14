"""Idempotency-Key on Graph writes (grouplink's own): a retry gets the first answer, and
the write is done once. Real HTTP to a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pywa import WhatsApp

from tests.conftest import Server
from tests.graph.helpers import WHATSAPP, assert_envelope
from tests.graph.idempotency_support import (
    REPLAYED,
    assert_replay_of,
    create,
    group_ids,
    kept_keys,
    make_old,
    new_key,
)
from tests.support import TIMEOUT_S, Business, make_business

DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def other(server: Server) -> Business:
    return make_business(server.database_url, server.graph)


@pytest.fixture
def other_api(other: Business) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {other.token}"}
    with httpx.Client(base_url=other.graph, headers=headers, timeout=TIMEOUT_S) as client:
        yield client


def test_a_retried_create_makes_one_group_and_gets_the_first_answer(
    api: httpx.Client, biz: Business
) -> None:
    key = new_key()
    first = create(api, biz, key, subject="Once")
    assert first.status_code == 200, first.text
    again = create(api, biz, key, subject="Once")
    assert_replay_of(first, again)
    assert_replay_of(first, create(api, biz, key, subject="Once"))
    assert group_ids(api, biz, "Once") == [first.json()["id"]]


def test_other_writes_replay_too(api: httpx.Client, biz: Business) -> None:
    group_id = create(api, biz, None).json()["id"]
    key = new_key()
    reset = api.post(f"/{group_id}/invite_link", json=WHATSAPP, headers={"Idempotency-Key": key})
    assert reset.status_code == 200, reset.text
    again = api.post(f"/{group_id}/invite_link", json=WHATSAPP, headers={"Idempotency-Key": key})
    assert_replay_of(reset, again)
    # The link the first reset made still works: the retry did not reset it again.
    assert api.get(f"/{group_id}/invite_link").json()["invite_link"] == reset.json()["invite_link"]
    key = new_key()
    deleted = api.delete(f"/{group_id}", headers={"Idempotency-Key": key})
    assert deleted.status_code == 200, deleted.text
    assert_replay_of(deleted, api.delete(f"/{group_id}", headers={"Idempotency-Key": key}))


def test_the_same_key_with_another_request_is_refused(api: httpx.Client, biz: Business) -> None:
    key = new_key()
    first = create(api, biz, key, subject="Bound")
    assert first.status_code == 200, first.text
    other_body = create(api, biz, key, subject="Another subject")
    error = assert_envelope(other_body, 400, 100)
    assert error["error_data"]["details"] == "Idempotency-Key reused with a different request"
    assert REPLAYED not in other_body.headers
    group_id = first.json()["id"]
    other_path = api.post(
        f"/{group_id}/invite_link", json=WHATSAPP, headers={"Idempotency-Key": key}
    )
    assert_envelope(other_path, 400, 100)
    other_method = api.delete(f"/{biz.phone_number_id}/groups", headers={"Idempotency-Key": key})
    assert_envelope(other_method, 400, 100)
    other_query = api.post(
        f"/{biz.phone_number_id}/groups?x=1",
        json={"messaging_product": "whatsapp", "subject": "Bound"},
        headers={"Idempotency-Key": key},
    )
    assert_envelope(other_query, 400, 100)
    assert group_ids(api, biz, "Another subject") == []
    assert_replay_of(first, create(api, biz, key, subject="Bound"))  # still the first answer


def test_a_key_belongs_to_its_business(
    api: httpx.Client, biz: Business, other_api: httpx.Client, other: Business
) -> None:
    key = new_key()
    mine = create(api, biz, key, subject="Mine")
    theirs = create(other_api, other, key, subject="Mine")
    assert mine.status_code == theirs.status_code == 200, (mine.text, theirs.text)
    assert REPLAYED not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    assert group_ids(other_api, other, "Mine") == [theirs.json()["id"]]
    # Another subject under the same key is another request only within one business.
    assert create(other_api, other, key, subject="Mine").headers[REPLAYED] == "true"
    assert_envelope(create(api, biz, key, subject="Theirs"), 400, 100)


def test_a_4xx_answer_is_kept_and_replayed(api: httpx.Client, biz: Business) -> None:
    key = new_key()
    body = {"messaging_product": "whatsapp"}  # no subject
    headers = {"Idempotency-Key": key}
    first = api.post(f"/{biz.phone_number_id}/groups", json=body, headers=headers)
    assert_envelope(first, 400, 100)
    again = api.post(f"/{biz.phone_number_id}/groups", json=body, headers=headers)
    assert_replay_of(first, again)  # the same fbtrace_id too: the first answer, not a new one
    # A write refused by the rules: the retry gets the refusal again, not a new judgement.
    group_id = create(api, biz, None).json()["id"]
    assert api.delete(f"/{group_id}").status_code == 200
    key = new_key()
    gone = api.delete(f"/{group_id}", headers={"Idempotency-Key": key})
    assert_envelope(gone, 400, 131041)
    assert_replay_of(gone, api.delete(f"/{group_id}", headers={"Idempotency-Key": key}))


def test_without_the_header_nothing_changes(
    server: Server, api: httpx.Client, biz: Business
) -> None:
    first, second = create(api, biz, None, subject="Twice"), create(api, biz, None, subject="Twice")
    assert first.status_code == second.status_code == 200
    assert REPLAYED not in first.headers and REPLAYED not in second.headers
    assert sorted(group_ids(api, biz, "Twice")) == sorted([first.json()["id"], second.json()["id"]])
    assert kept_keys(server.database_url, biz.business_id) == []


def test_an_expired_key_runs_the_write_again(
    server: Server, api: httpx.Client, biz: Business
) -> None:
    key = new_key()
    first = create(api, biz, key, subject="Expiring")
    assert first.status_code == 200, first.text
    make_old(server.database_url, biz.business_id, key, DAY_MS + 1000)
    again = create(api, biz, key, subject="Expiring")
    assert again.status_code == 200, again.text
    assert REPLAYED not in again.headers
    assert again.json()["id"] != first.json()["id"]
    assert sorted(group_ids(api, biz, "Expiring")) == sorted(
        [first.json()["id"], again.json()["id"]]
    )
    assert_replay_of(again, create(api, biz, key, subject="Expiring"))  # the new answer kept
    assert kept_keys(server.database_url, biz.business_id) == [key]  # in place of the old


def test_a_key_that_is_almost_a_day_old_still_replays(
    server: Server, api: httpx.Client, biz: Business
) -> None:
    key = new_key()
    first = create(api, biz, key, subject="Not yet")
    make_old(server.database_url, biz.business_id, key, DAY_MS - 60_000)
    assert_replay_of(first, create(api, biz, key, subject="Not yet"))


@pytest.mark.parametrize(
    "value",
    [b"", b"x" * 256, "caf\u00e9".encode(), b"tab\there"],
    ids=["empty", "256 characters", "not ASCII", "control character"],
)
def test_a_malformed_key_is_refused(api: httpx.Client, biz: Business, value: bytes) -> None:
    body = {"messaging_product": "whatsapp", "subject": "Malformed"}
    answer = api.post(
        f"/{biz.phone_number_id}/groups", json=body, headers=[(b"Idempotency-Key", value)]
    )
    assert_envelope(answer, 400, 100)
    assert group_ids(api, biz, "Malformed") == []


def test_two_keys_in_one_request_are_refused(api: httpx.Client, biz: Business) -> None:
    headers = [(b"Idempotency-Key", b"one"), (b"Idempotency-Key", b"two")]
    body = {"messaging_product": "whatsapp", "subject": "Two keys"}
    answer = api.post(f"/{biz.phone_number_id}/groups", json=body, headers=headers)
    assert_envelope(answer, 400, 100)
    assert group_ids(api, biz, "Two keys") == []


def test_the_longest_key_works(api: httpx.Client, biz: Business) -> None:
    key = new_key() + "~" * (255 - len(new_key()))
    first = create(api, biz, key, subject="Long key")
    assert first.status_code == 200, first.text
    assert_replay_of(first, create(api, biz, key, subject="Long key"))


def test_a_bad_token_is_answered_as_without_a_key(biz: Business) -> None:
    answer = httpx.post(
        f"{biz.graph}/{biz.phone_number_id}/groups",
        json={"messaging_product": "whatsapp", "subject": "x"},
        headers={"Authorization": "Bearer nope", "Idempotency-Key": "k"},
        timeout=TIMEOUT_S,
    )
    assert_envelope(answer, 401, 190)


def test_a_multipart_retry_with_a_new_boundary_is_the_same_request(
    api: httpx.Client, biz: Business
) -> None:
    group_id = create(api, biz, None).json()["id"]
    key = new_key()
    fields = {"messaging_product": "whatsapp", "description": "Set by multipart"}
    files = {"unused": ("a.txt", b"not a picture field", "text/plain")}

    def send() -> httpx.Response:  # httpx draws a new random boundary for every request
        return api.post(f"/{group_id}", data=fields, files=files, headers={"Idempotency-Key": key})

    first, again = send(), send()
    assert first.status_code == 200, first.text
    assert_replay_of(first, again)


def test_pywa_retries_with_a_key(biz: Business) -> None:
    """As docs/api.md shows it: the key on pywa's session around the one call."""
    session = httpx.Client(timeout=TIMEOUT_S)
    wa = WhatsApp(
        phone_id=biz.phone_number_id, token=biz.token, api_version="23.0", session=session
    )
    wa.api._session.base_url = biz.graph
    try:
        wa.api._session.headers["Idempotency-Key"] = new_key()
        try:
            first = wa.api.create_group(phone_id=biz.phone_number_id, subject="Through pywa")
            again = wa.api.create_group(phone_id=biz.phone_number_id, subject="Through pywa")
        finally:
            del wa.api._session.headers["Idempotency-Key"]
        later = wa.api.create_group(phone_id=biz.phone_number_id, subject="Through pywa")
    finally:
        session.close()
    assert first == again and first["id"] and later["id"] != first["id"]
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=TIMEOUT_S) as api:
        assert sorted(group_ids(api, biz, "Through pywa")) == sorted([first["id"], later["id"]])


def test_the_openapi_document_describes_the_header(server: Server) -> None:
    paths = httpx.get(server.base_url + "/openapi.json", timeout=TIMEOUT_S).json()["paths"]
    writes = reads = declared = 0
    for path, operations in paths.items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            graph_write = path.startswith("/{version}/") and method in ("post", "delete")
            assert ("Idempotency-Key" in names) == graph_write, (method, path)
            if graph_write:
                writes += 1
                # Every success answer (200, 206); adding participants has none.
                answers = [a for s, a in operation["responses"].items() if s.startswith("2")]
                assert all(REPLAYED in a["headers"] for a in answers), (method, path)
                declared += len(answers)
            else:
                reads += 1
    assert writes >= 15 and reads > 0 and declared >= writes
