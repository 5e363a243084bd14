"""Limits shared by every worker and machine, without Redis: two servers over one database.

Server ``a`` believes nobody's X-Forwarded-For (the default); server ``b`` believes
127.0.0.1's, as behind a proxy. Each runs one worker process, so that requests go
to one process or the other for certain. People talk from addresses of their own
(127.x.y.z, never 127.0.0.1), which neither server takes for a proxy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa

from grouplink.domain.limits import key_hash
from grouplink.store.tables import rate_counters, server_state, signin_guesses
from tests.conftest import BACKENDS, Server, own_server, start_server, stop_server
from tests.support import create_group, make_business
from tests.web.pages import Page, Person, fetch_rows, loopback_address, run_sql

RATES = {
    "rate_link_page": "4/minute",
    "rate_token_check": "3/hour",
    "rate_signin_number": "10/15 minutes",
    "rate_code_check": "1000/hour",
}


@dataclass(frozen=True)
class Pair:
    a: Server
    b: Server
    code: str  # a working link's

    def counted(self, counter: str, key: str) -> int:
        """The shared count of ``key`` (an address, a number) under ``counter``."""
        [secret] = fetch_rows(
            self.a.database_url,
            sa.select(server_state.c.value).where(server_state.c.key == "secret"),
        )
        query = sa.select(rate_counters.c.hits).where(
            rate_counters.c.counter == counter,
            rate_counters.c.key_hash == key_hash(secret.value.encode(), key),
        )
        return sum(row.hits for row in fetch_rows(self.a.database_url, query))


@pytest.fixture(scope="module", params=BACKENDS)
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    data = tmp_path_factory.mktemp(f"pair-{request.param}")
    (data / "a").mkdir()
    (data / "b").mkdir()
    with own_server(request.param, data / "a", **RATES) as a:
        proc, b = start_server(
            a.database_url, data / "b", workers=1, trusted_proxies="127.0.0.1", **RATES
        )
        try:
            biz = make_business(a.database_url, a.graph)
            with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
                yield Pair(a, b, create_group(api, biz)["code"])
        finally:
            stop_server(proc)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.05)


def connection(server: Server, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.base_url, transport=transport, timeout=30)


# --- limits across servers ----------------------------------------------------------------


def test_token_guesses_are_counted_once_for_both_servers(pair: Pair) -> None:
    address = loopback_address()
    statuses = []
    for n in range(6):
        with connection(pair.a if n % 2 else pair.b, address) as http:
            page = Page(http.get("/console/signin"))
            form = page.form("/console/signin")
            answer = http.post(form.action, data={**form.fields, "token": f"gl_guess{n}"})
            statuses.append(answer.status_code)
    assert statuses == [400, 400, 400, 429, 429, 429]  # 3/hour, not 3 on each server


def test_codes_sent_to_a_number_are_counted_once_for_both_servers(pair: Pair) -> None:
    wa_id = Person(pair.a.base_url).wa_id
    sent = []
    for n in range(11):
        person = Person((pair.a if n % 2 else pair.b).base_url, wa_id)  # a new address each
        sent.append(person.ask_code().sandbox_code is not None)
        person.close()
    assert sent == [True] * 10 + [False]


def test_page_views_are_reconciled_between_servers(pair: Pair) -> None:
    address = loopback_address()
    with connection(pair.a, address) as on_a, connection(pair.b, address) as on_b:
        assert [on_a.get(f"/{pair.code}").status_code for _ in range(5)] == [200] * 4 + [429]
        counted = lambda: pair.counted("page/4/60s", address)  # noqa: E731
        wait_until(lambda: counted() == 4, "server a sends its views")
        # b has not heard of the address: it lets its first view through, and learns
        # the shared count when it sends that view on (within a second).
        assert on_b.get(f"/{pair.code}").status_code == 200
        wait_until(lambda: counted() == 5, "server b sends its view")
        assert [on_b.get(f"/{pair.code}").status_code for _ in range(3)] == [429] * 3


# --- a number's budget of wrong codes -----------------------------------------------------


def wrong_code(code_page: Page) -> str:
    return "000000" if code_page.sandbox_code != "000000" else "111111"


def guess(person: Person, code_page: Page, code: str) -> Page:
    return Page(person.post(code_page.form("/signin/code"), code=code))


def end_lockout(pair: Pair, wa_id: str) -> None:
    """As if the lockout's time had passed (its length is what the tests read)."""
    run_sql(
        pair.a.database_url,
        sa.update(signin_guesses).where(signin_guesses.c.wa_id == wa_id).values(locked_until=1),
    )


def test_ten_wrong_codes_across_codes_and_servers_lock_the_number_out(pair: Pair) -> None:
    on_a = Person(pair.a.base_url)
    on_b = Person(pair.b.base_url, on_a.wa_id)
    first = on_a.ask_code()
    for left in ("4 tries", "3 tries", "2 tries"):
        assert f"You have {left} left" in guess(on_a, first, wrong_code(first)).text
    second = on_b.ask_code()  # a new code, on the other server: the budget goes on
    for left in ("4 tries", "3 tries", "2 tries", "1 try"):
        assert f"You have {left} left" in guess(on_b, second, wrong_code(second)).text
    assert "Ask for a new code" in guess(on_b, second, wrong_code(second)).text  # its 5th
    third = on_a.ask_code()
    assert "You have 1 try left" in guess(on_a, third, wrong_code(third)).text
    locked = guess(on_a, third, wrong_code(third))  # the 10th wrong code
    assert locked.status == 429
    assert "Too many wrong codes for this number. You can try again in 15 minutes (" in locked.text
    assert 0 < int(locked.response.headers["retry-after"]) <= 900
    assert not locked.has_form("/signin/code") and not locked.has_form("/signin")
    # Locked out: the right code does not sign in, and no new code is sent, anywhere.
    right = guess(on_a, third, third.sandbox_code or "")
    assert right.status == 429 and "gl_session" not in right.response.headers.get("set-cookie", "")
    refused = on_b.ask_code()
    assert refused.status == 429 and refused.sandbox_code is None
    assert "You can try again in 1" in refused.text  # 15 minutes, or 14 by now
    on_a.close()
    on_b.close()


def test_lockouts_double_and_a_sign_in_forgives(pair: Pair) -> None:
    person = Person(pair.a.base_url)
    run_sql(
        pair.a.database_url,
        sa.insert(signin_guesses).values(
            wa_id=person.wa_id, wrong=10, locked_until=1, forget_at=2**53
        ),
    )  # ten wrong codes, and a first lockout that has passed
    for lockout in ("30 minutes", "1 hour", "2 hours", "4 hours", "4 hours"):
        code_page = person.ask_code()
        locked = guess(person, code_page, wrong_code(code_page))
        assert f"You can try again in {lockout} (" in locked.text, locked.text
        end_lockout(pair, person.wa_id)
    code_page = person.ask_code()
    assert guess(person, code_page, code_page.sandbox_code or "").status == 303
    person.close()
    later = Person(pair.b.base_url, person.wa_id)  # signed in: all is forgiven
    again = later.ask_code()
    assert "You have 4 tries left" in guess(later, again, wrong_code(again)).text
    later.close()


# --- proxies: whose X-Forwarded-For names the client -------------------------------------


def views(http: httpx.Client, code: str, *forwarded_for: str) -> list[int]:
    headers = [{"X-Forwarded-For": address} for address in forwarded_for]
    return [http.get(f"/{code}", headers=h).status_code for h in headers]


def cookie_is_secure(http: httpx.Client, forwarded_proto: str) -> bool:
    """Whether a first visit's cookie gets the Secure flag."""
    http.cookies.clear()
    answer = http.get("/signin", headers={"X-Forwarded-Proto": forwarded_proto})
    return "secure" in {part.strip().lower() for part in answer.headers["set-cookie"].split(";")}


def test_by_default_a_client_rotating_x_forwarded_for_from_loopback_is_limited(pair: Pair) -> None:
    with connection(pair.a, "127.0.0.1") as http:
        rotating = [f"203.0.113.{n}" for n in range(1, 6)]
        assert views(http, pair.code, *rotating) == [200] * 4 + [429]
        assert not cookie_is_secure(http, "https")


def test_a_trusted_proxy_names_the_client(pair: Pair) -> None:
    with connection(pair.b, "127.0.0.1") as proxy:
        assert views(proxy, pair.code, *["198.51.100.7"] * 5) == [200] * 4 + [429]
        assert views(proxy, pair.code, "198.51.100.8") == [200]  # another client
        # The client is the last address the proxy saw: what the client itself put
        # in front of it changes nothing.
        assert views(proxy, pair.code, "192.0.2.1, 198.51.100.7") == [429]
        assert views(proxy, pair.code, "2001:db8::7") == [200]
        assert cookie_is_secure(proxy, "https")


def test_a_peer_that_is_not_a_trusted_proxy_is_its_own_address(pair: Pair) -> None:
    with connection(pair.b, loopback_address()) as untrusted:
        forged = [f"198.51.100.{n}" for n in range(20, 25)]
        assert views(untrusted, pair.code, *forged) == [200] * 4 + [429]
        assert not cookie_is_secure(untrusted, "https")
