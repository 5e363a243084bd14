"""Sign-in from the link page with a real code sender, over HTTP, on both backends.

The server sends each code to a real HTTP receiver on loopback, as Meta's Cloud
API (``whatsapp``) or an SMS relay (``webhook``) would get it. The sandbox is
off, so the page never shows the code: the person reads it from what the
provider received, types it, and is signed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from grouplink.services.code_senders.webhook import SIGNATURE_HEADER
from grouplink.store.tables import signin_codes
from tests.code_senders import body_of, documented_verify, sent_to, webhook_code, whatsapp_code
from tests.conftest import BACKENDS, Server, own_server
from tests.graph.helpers import wa_ids_of
from tests.meta_schemas import graph_client
from tests.receiver import Delivery, Receiver
from tests.support import create_group, make_business
from tests.web.pages import Person, fetch_rows

SECRET = "relay-secret"
GRAPH_ERROR = (
    b'{"error":{"message":"(#131026) Message undeliverable","type":"OAuthException",'
    b'"code":131026,"fbtrace_id":"AbCd"}}'
)


@dataclass(frozen=True)
class Provider:
    kind: str  # whatsapp or webhook
    server: Server
    receiver: Receiver
    code_of: Callable[[Delivery], str]

    def to(self, person: Person) -> str:
        return person.wa_id if self.kind == "whatsapp" else "+" + person.wa_id

    def codes_for(self, person: Person) -> list[str]:
        return sent_to(self.receiver, self.to(person), self.code_of)

    def assert_authentic(self, person: Person) -> None:
        """What the provider checks before it sends: the token, or the signature."""
        [request] = [d for d in self.receiver.received() if body_of(d)["to"] == self.to(person)]
        if self.kind == "whatsapp":
            assert request.headers["Authorization"] == "Bearer EAAtest"
            return
        verify, signed = documented_verify(), request.headers[SIGNATURE_HEADER]
        assert verify(SECRET, signed, request.body)
        assert not verify("not-the-secret", signed, request.body)

    def fail(self) -> None:
        self.receiver.status = 400
        self.receiver.failure_body = GRAPH_ERROR if self.kind == "whatsapp" else b"relay down"

    @property
    def failure_logged(self) -> str:
        if self.kind == "whatsapp":
            return "WhatsApp answered HTTP 400: code 131026: (#131026) Message undeliverable"
        return "The code webhook answered HTTP 400: relay down"


def sender_settings(kind: str, receiver: Receiver) -> dict[str, str]:
    if kind == "whatsapp":
        return {
            "code_sender": "whatsapp",
            "whatsapp_base_url": f"http://127.0.0.1:{receiver.port}",
            "whatsapp_phone_number_id": "106540352242922",
            "whatsapp_token": "EAAtest",
            "whatsapp_code_template": "signin_code",
        }
    return {
        "code_sender": "webhook",
        "code_webhook_url": receiver.url,
        "code_webhook_secret": SECRET,
    }


COMBINATIONS = [(backend, kind) for backend in BACKENDS for kind in ("whatsapp", "webhook")]


@pytest.fixture(scope="module", params=COMBINATIONS, ids=["-".join(c) for c in COMBINATIONS])
def provider(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Provider]:
    backend, kind = request.param
    receiver = Receiver().start()
    data_dir = tmp_path_factory.mktemp(f"{kind}-{backend}")
    try:
        settings = sender_settings(kind, receiver)
        with own_server(backend, data_dir, sandbox="false", **settings) as srv:
            yield Provider(
                kind, srv, receiver, whatsapp_code if kind == "whatsapp" else webhook_code
            )
    finally:
        receiver.stop()


@pytest.fixture
def person(provider: Provider) -> Iterator[Person]:
    someone = Person(provider.server.base_url)
    yield someone
    someone.close()


def test_a_person_signs_in_from_the_link_page_with_the_code_they_were_sent(
    provider: Provider, person: Person
) -> None:
    srv = provider.server
    biz = make_business(srv.database_url, srv.graph)
    with graph_client(biz.graph, biz.token) as api:
        group = create_group(api, biz, subject="Choir")
        link_page = person.open(group["code"])
        start = person.get(link_page.link("Join group"))
        code_page = person.submit(start.form("/signin"), phone="+" + person.wa_id)
        assert code_page.status == 200 and code_page.headings == ["Enter your code"]
        assert code_page.sandbox_code is None  # the code went to the provider only

        [code] = provider.codes_for(person)
        assert len(code) == 6 and code.isdigit()
        provider.assert_authentic(person)
        back = person.submit(code_page.form("/signin/code"), code=code)
        assert back.response.url.path == f"/{group['code']}"
        assert "Signed in as" in back.text
        assert "You're in" in back.headings  # "Join group" was pressed before signing in
        assert wa_ids_of(api, group["id"]) == [person.wa_id]


def test_a_failing_provider_asks_to_try_again_and_the_earlier_code_still_works(
    provider: Provider, person: Person
) -> None:
    first_page = person.ask_code()
    [first_code] = provider.codes_for(person)
    provider.fail()
    try:
        start = person.get("/signin")
        refused = person.post(start.form("/signin"), phone="+" + person.wa_id)
    finally:
        provider.receiver.status = 200
    assert refused.status_code == 503 and refused.headers["retry-after"] == "60"
    page_text = " ".join(refused.text.split())
    assert "We could not send the code. Try again in a minute." in page_text
    assert provider.codes_for(person) == [first_code]  # nothing new arrived
    assert provider.server.log_path is not None
    logged = [
        line for line in provider.server.log_path.read_text().splitlines() if person.wa_id in line
    ]
    assert len(logged) == 1 and "sign-in code not sent" in logged[0], logged
    assert provider.failure_logged in logged[0] and "Traceback" not in logged[0]
    # The code that was not sent is gone; the one the person has still works.
    rows = fetch_rows(
        provider.server.database_url,
        sa.select(signin_codes.c.used_at).where(signin_codes.c.wa_id == person.wa_id),
    )
    assert [row.used_at for row in rows] == [None]
    answer = person.post(first_page.form("/signin/code"), code=first_code)
    assert answer.status_code == 303
    assert "Signed in as" in person.follow(answer).text


def test_a_new_code_ends_the_earlier_one(provider: Provider, person: Person) -> None:
    first_page = person.ask_code()
    second_page = person.ask_code()
    first, second = provider.codes_for(person)
    wrong = person.post(first_page.form("/signin/code"), code=first)
    assert wrong.status_code == 400
    assert "expired or was already used" in " ".join(wrong.text.split())
    answer = person.post(second_page.form("/signin/code"), code=second)
    assert answer.status_code == 303


def test_failed_sends_count_against_the_numbers_budget(provider: Provider, person: Person) -> None:
    """5 codes per 15 minutes per number (GROUPLINK_RATE_SIGNIN_NUMBER), sent or not: a
    send that timed out may still arrive, and a failing provider is not asked without end."""
    provider.fail()
    try:
        statuses = []
        for _ in range(5):
            start = person.get("/signin")
            statuses.append(person.post(start.form("/signin"), phone=person.wa_id).status_code)
    finally:
        provider.receiver.status = 200
    assert statuses == [503] * 5
    start = person.get("/signin")
    over = person.post(start.form("/signin"), phone=person.wa_id)
    assert over.status_code == 429
    assert "Too many codes were asked for." in " ".join(over.text.split())
    assert provider.codes_for(person) == []
