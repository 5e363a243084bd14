"""Rate limits and a production-like server, each on a server of its own.

The limits here are tight so that a handful of requests reaches them: per
address on the link page, joins, code requests and code checks; per number on
code requests. With Redis they hold across worker processes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from grouplink.services import subscriptions
from grouplink.services.core import Actor
from tests.conftest import Server, own_server
from tests.receiver import Receiver
from tests.support import TIMEOUT_S, Business, create_group, make_business, with_core
from tests.web.file_sender import last_code
from tests.web.pages import Page, Person, loopback_address

TIGHT = {
    "rate_link_page": "5/minute",
    "rate_join": "2/minute",
    "rate_signin_address": "4/hour",
    "rate_signin_number": "3/15 minutes",
    "rate_code_check": "3/hour",
    "rate_token_check": "3/hour",
    "rate_group_writes": "3/minute",
}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with own_server("sqlite", tmp_path_factory.mktemp("limited"), workers=1, **TIGHT) as srv:
        yield srv


@pytest.fixture
def limited_biz(limited: Server) -> Iterator[tuple[Business, httpx.Client]]:
    biz = make_business(limited.database_url, limited.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=TIMEOUT_S) as api:
        yield biz, api


def assert_slow_down(answer: httpx.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["retry-after"] == "60"
    assert Page(answer).headings == ["Slow down"]


def test_the_link_page_is_limited_per_address(
    limited: Server, limited_biz: tuple[Business, httpx.Client]
) -> None:
    biz, api = limited_biz
    code = create_group(api, biz)["code"]
    visitor, neighbour = Person(limited.base_url), Person(limited.base_url)
    for _ in range(5):
        assert visitor.open(code).status == 200
    assert_slow_down(visitor.client.get(f"/{code}"))
    assert_slow_down(visitor.client.get("/AbCdEfGhIjKlMnOpQrStUv"))  # guessing counts too
    assert neighbour.open(code).status == 200
    visitor.close()
    neighbour.close()


def test_code_requests_are_limited_per_number(limited: Server) -> None:
    wa_id = Person(limited.base_url).wa_id
    for _ in range(3):  # each from another address, so only the number's limit counts
        person = Person(limited.base_url, wa_id)
        assert person.ask_code().sandbox_code
        person.close()
    person = Person(limited.base_url, wa_id)
    refused = person.ask_code()
    assert refused.status == 429 and "Too many codes were asked for" in refused.text
    assert refused.sandbox_code is None
    person.close()


def test_code_requests_are_limited_per_address(limited: Server) -> None:
    person = Person(limited.base_url)
    for _ in range(4):
        person.wa_id = Person(limited.base_url).wa_id  # a new number from the same address
        assert person.ask_code().sandbox_code
    person.wa_id = Person(limited.base_url).wa_id
    refused = person.ask_code()
    assert refused.status == 429 and refused.sandbox_code is None
    person.close()


def test_graph_writes_to_one_group_are_limited_with_131208(
    limited_biz: tuple[Business, httpx.Client],
) -> None:
    biz, api = limited_biz
    busy, quiet = create_group(api, biz), create_group(api, biz)
    body = {"messaging_product": "whatsapp"}
    for _ in range(3):
        assert api.post(f"/{busy['id']}/invite_link", json=body).status_code == 200
    refused = api.post(f"/{busy['id']}/invite_link", json=body)
    assert refused.status_code == 429, refused.text
    error = refused.json()["error"]
    assert error["code"] == 131208 and error["error_data"]["details"]
    # Reads and other groups are not held back.
    assert api.get(f"/{busy['id']}/invite_link").status_code == 200
    assert api.post(f"/{quiet['id']}/invite_link", json=body).status_code == 200


def test_console_token_guesses_are_limited_per_address(
    limited: Server, limited_biz: tuple[Business, httpx.Client]
) -> None:
    biz, _ = limited_biz
    guesser, neighbour = Person(limited.base_url), Person(limited.base_url)
    form = guesser.get("/console/signin").form("/console/signin")
    for n in range(3):
        assert guesser.post(form, token=f"gl_guess{n}").status_code == 400
    # Past the limit even the right token is not tried: guessing learns nothing more.
    refused = Page(guesser.post(form, token=biz.token))
    assert refused.status == 429 and "Too many tries from your connection" in refused.text
    neighbour_form = neighbour.get("/console/signin").form("/console/signin")
    assert neighbour.post(neighbour_form, token=biz.token).status_code == 303
    guesser.close()
    neighbour.close()


def test_code_checks_are_limited_per_address(limited: Server) -> None:
    person = Person(limited.base_url)
    code_page = person.ask_code()
    right = code_page.sandbox_code or ""
    form = code_page.form("/signin/code")
    for _ in range(3):
        assert (
            person.post(form, code="999999" if right != "999999" else "000000").status_code == 400
        )
    refused = Page(person.post(form, code=right))
    assert refused.status == 429 and "Too many tries from your connection" in refused.text
    person.close()


def test_joins_are_limited_per_person(
    limited: Server, limited_biz: tuple[Business, httpx.Client]
) -> None:
    biz, api = limited_biz
    codes = [create_group(api, biz, subject=f"Club {n}")["code"] for n in range(3)]
    person = Person(limited.base_url)
    person.sign_in()
    forms = [person.open(code).form(f"/{code}", action="join") for code in codes]
    assert person.submit(forms[0]).state == "joined"
    assert person.submit(forms[1]).state == "joined"
    assert_slow_down(person.post(forms[2]))
    person.close()


# --- Redis: limits shared by the worker processes -----------------------------------------


def redis_url() -> str | None:
    url = os.environ.get("GROUPLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError):
        return None  # the test skips, and in CI the skip fails the run (conftest.py)
    return url


def test_limits_hold_across_workers_with_redis(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    url = redis_url()
    if url is None:
        pytest.skip("Redis is not reachable (set GROUPLINK_TEST_REDIS_URL); CI runs it")
    data_dir = tmp_path_factory.mktemp("redis")
    with own_server("sqlite", data_dir, workers=2, redis_url=url, rate_link_page="6/minute") as srv:
        biz = make_business(srv.database_url, srv.graph)
        with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=TIMEOUT_S) as api:
            code = create_group(api, biz)["code"]
        address = loopback_address()
        statuses = []
        for _ in range(8):
            # A new connection each time, so the requests spread over both workers.
            transport = httpx.HTTPTransport(local_address=address)
            with httpx.Client(
                base_url=srv.base_url, transport=transport, timeout=TIMEOUT_S
            ) as http:
                statuses.append(http.get(f"/{code}").status_code)
        assert statuses == [200] * 6 + [429] * 2


# --- production: no sandbox, a real sender, HTTPS cookies ---------------------------------


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """A server in the production profile, and the file its code sender writes to."""
    data_dir = tmp_path_factory.mktemp("production")
    codes = data_dir / "codes.txt"
    with own_server(
        "sqlite",
        data_dir,
        profile="production",
        public_url="https://groups.example.test",
        code_sender="tests.web.file_sender:make",
        test_code_file=str(codes),
    ) as srv:
        yield srv, codes


def test_production_hides_the_code_and_sends_it_through_the_sender(
    production: tuple[Server, Path],
) -> None:
    _sign_in_over_https_cookies(*production)


def test_production_refuses_callbacks_to_its_own_network(production: tuple[Server, Path]) -> None:
    srv, _ = production
    biz = make_business(srv.database_url, srv.graph)
    receiver = Receiver().start()
    try:
        body = {
            "object": "whatsapp_business_account",
            "callback_url": receiver.url,
            "verify_token": receiver.verify_token,  # it would pass, if it were asked
            "fields": "group_lifecycle_update",
        }
        answer = httpx.post(
            f"{biz.graph}/{biz.business_id}/subscriptions",
            data=body,
            headers=biz.auth,
            timeout=TIMEOUT_S,
        )
        assert answer.status_code == 400, answer.text
        error = answer.json()["error"]
        assert error["code"] == 2200
        assert "private addresses are refused" in error["error_data"]["details"]
    finally:
        receiver.stop()


def _sign_in_over_https_cookies(srv: Server, codes: Path) -> None:
    wa_id = Person(srv.base_url).wa_id
    # Secure cookies do not travel over plain HTTP; send them by hand, as a proxy would.
    with httpx.Client(base_url=srv.base_url, timeout=TIMEOUT_S) as http:
        start = http.get("/signin")
        csrf_cookie = start.cookies["gl_csrf"]
        assert "secure" in start.headers["set-cookie"].lower()
        cookie = {"Cookie": f"gl_csrf={csrf_cookie}"}
        form = Page(start).form("/signin")
        code_page = Page(http.post("/signin", data={**form.fields, "phone": wa_id}, headers=cookie))
        assert code_page.status == 200 and code_page.headings == ["Enter your code"]
        assert code_page.sandbox_code is None and "Sandbox" not in code_page.text
        code = last_code(codes, wa_id)
        answer = http.post(
            "/signin/code",
            data={**code_page.form("/signin/code").fields, "code": code},
            headers=cookie,
        )
        assert answer.status_code == 303
        session = answer.headers["set-cookie"]
        assert session.startswith("gl_session=") and "secure" in session.lower()
        token = session.split(";")[0].split("=", 1)[1]
        done = Page(
            http.get("/signin", headers={"Cookie": f"gl_csrf={csrf_cookie}; gl_session={token}"})
        )
        assert "Signed in as" in done.text


def test_production_dead_letters_deliveries_to_its_own_network_at_once(
    production: tuple[Server, Path],
) -> None:
    """A subscription made before the address was refused (here: straight through
    the service) gets no delivery: one refused attempt, then dead, not days of retries."""
    srv, _ = production
    biz = make_business(srv.database_url, srv.graph)
    receiver = Receiver().start()
    try:
        with_core(
            srv.database_url,
            lambda core: subscriptions.subscribe(
                core,
                biz.business_id,
                receiver.url,
                receiver.verify_token,
                ["group_lifecycle_update"],
                Actor("cli", "cli"),
                handshake_timeout_s=5,
                allow_private=True,
            ),
        )
        with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=TIMEOUT_S) as api:
            create_group(api, biz)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                listed = api.get(f"/{biz.business_id}/webhook_deliveries").json()["data"]
                if listed and listed[0]["state"] == "dead":
                    break
                time.sleep(0.2)
        [delivery] = listed
        assert delivery["state"] == "dead" and delivery["attempts"] == 1, delivery
        [attempt] = delivery["attempt_log"]
        assert attempt["status_code"] is None
        assert "private addresses are refused" in attempt["error"]
        assert receiver.received() == []
    finally:
        receiver.stop()
