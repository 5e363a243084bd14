"""Database outages, made by cutting a TCP forwarder between grouplink and PostgreSQL
(tests/forwarder.py), never by stopping the shared server.

While cut: Graph calls answer 503, code 2, with Retry-After; pages a human 503;
/readyz 503, /healthz 200; what the process has cached (a link page, its picture, a
token and its group) still answers. Once restored, everything recovers by itself:
no restart, and the link-page views seen during the outage are counted. ``serve``
started while the database is away waits for it, within GROUPLINK_START_WAIT_SECONDS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import (
    IN_CI,
    Server,
    free_port,
    launch_server,
    start_server,
    stop_server,
    wait_until_healthy,
)
from tests.forwarder import Forwarder, forwarding
from tests.graph.helpers import WHATSAPP, assert_envelope
from tests.graph.links_support import new_link, read_link
from tests.support import TIMEOUT_S, Business, create_group, drop_postgres_database, make_business
from tests.support import postgres_test_url as make_postgres_database
from tests.web.pages import Page, Person

DEADLINE_S = 30


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A migrated PostgreSQL database of this module's own, reached directly."""
    name = f"grouplink_outage_{os.getpid()}"
    url = make_postgres_database(name, required=IN_CI)
    if url is None:
        pytest.skip("PostgreSQL is not reachable (set GROUPLINK_TEST_POSTGRES_URL); CI runs it")
    yield url
    drop_postgres_database(name)


@pytest.fixture(scope="module")
def forwarder() -> Iterator[Forwarder]:
    with forwarding() as running:
        yield running


@pytest.fixture(autouse=True)
def restored(forwarder: Forwarder) -> Iterator[None]:
    yield
    forwarder.restore()  # whatever a test did, the next one starts with a database


def through(url: str, forwarder: Forwarder) -> str:
    """``url`` with the forwarder in between."""
    forwarded = sa.engine.make_url(url).set(port=forwarder.port)
    return forwarded.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def cut_server(
    database: str, forwarder: Forwarder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("outage")
    # One worker, so that what one request cached is there for the next.
    proc, srv = start_server(through(database, forwarder), data_dir, workers=1, log_level="info")
    yield srv
    stop_server(proc)


@pytest.fixture
def biz(database: str, cut_server: Server) -> Business:
    return make_business(database, cut_server.graph)


@pytest.fixture
def api(biz: Business) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=TIMEOUT_S) as client:
        yield client


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        assert time.monotonic() < deadline, f"not within {DEADLINE_S} s: {what}"
        time.sleep(0.1)


# The change listener's own two lines (PostgreSQL): while it is away, nothing read is
# kept, so a page read then is not there to serve in the next outage.
LISTENER_LOST = "lost the change notifications"
LISTENER_BACK = "change notifications back"


def loops_away(events: list[dict[str, object]]) -> set[str]:
    """The background loops, and the change listener, whose last word was that they
    paused (or lost the database)."""
    last: dict[str, str] = {}
    for event in map(str, (e["event"] for e in events)):
        for word in (" paused: ", " resumed"):
            if word in event:
                last[event.split(word)[0]] = word
        if event.startswith((LISTENER_LOST, LISTENER_BACK)):
            last["change listener"] = " paused: " if event.startswith(LISTENER_LOST) else ""
    return {loop for loop, word in last.items() if word == " paused: "}


def settled(server: Server) -> None:
    """Every loop back from any earlier outage, so that each pauses anew in the next,
    and the listener too, so that what is read before the next cut is kept."""
    eventually(lambda: not loops_away(log_events(server)), "back from the outage before")


def log_events(server: Server) -> list[dict[str, object]]:
    assert server.log_path is not None
    found = []
    for line in server.log_path.read_text().splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


def assert_unavailable(answer: httpx.Response) -> None:
    """Meta's answer to its own outages: 503, code 2, transient, with a retry hint."""
    error = assert_envelope(answer, 503, 2)
    assert error["message"] == "(#2) Service temporarily unavailable", error
    assert error["is_transient"] is True, error
    assert answer.headers["retry-after"] == "5"
    assert "retry in 5 seconds" in error["error_data"]["details"], error


def assert_unavailable_page(page: Page) -> None:
    assert page.status == 503, page.text
    assert page.response.headers["content-type"].startswith("text/html")
    assert page.response.headers["retry-after"] == "5"
    assert page.headings == ["We'll be right back"], page.headings
    assert "try again in a few seconds" in page.text


def test_cut_off_from_its_database_it_answers_503_code_2_serves_its_cache_and_recovers(
    cut_server: Server, forwarder: Forwarder, biz: Business, api: httpx.Client
) -> None:
    settled(cut_server)
    root = cut_server.base_url
    group, unseen = create_group(api, biz, subject="Seen before"), create_group(api, biz)
    page, picture = f"/{group['code']}", f"/pictures/{group['code']}"
    visitor, member = Person(root), Person(root)
    try:
        assert visitor.open(group["code"]).status == 200  # now in the process's cache
        assert visitor.client.get(picture).status_code == 200
        assert api.get(f"/{group['id']}", params={"fields": "subject"}).status_code == 200
        member.sign_in()
        forwarder.cut()

        created = api.post(f"/{biz.phone_number_id}/groups", json={**WHATSAPP, "subject": "x"})
        assert_unavailable(created)
        assert_unavailable(api.get(f"/{biz.phone_number_id}/groups"))  # never read before
        assert_unavailable_page(visitor.open(unseen["code"]))
        assert_unavailable_page(member.get("/console"))
        signin = Person(root)
        start = signin.get("/signin")  # a page that needs nothing from the database
        assert start.status == 200
        assert_unavailable_page(Page(signin.post(start.form("/signin"), phone="+15550109999")))
        signin.close()

        ready = httpx.get(f"{root}/readyz", timeout=TIMEOUT_S)
        assert ready.status_code == 503 and ready.headers["retry-after"] == "5"
        assert ready.json()["checks"] == {"database": "unreachable"}
        assert ready.json()["error"]["code"] == 2
        assert httpx.get(f"{root}/healthz", timeout=TIMEOUT_S).status_code == 200

        # What the process read shortly before, it still serves.
        seen = visitor.open(group["code"])
        assert seen.status == 200 and "Seen before" in seen.text
        assert visitor.client.get(picture).status_code == 200
        info = api.get(f"/{group['id']}", params={"fields": "subject"})
        assert info.status_code == 200 and info.json()["subject"] == "Seen before"

        forwarder.restore()
        eventually(
            lambda: httpx.get(f"{root}/readyz", timeout=TIMEOUT_S).status_code == 200, "ready again"
        )
        assert httpx.get(f"{root}/readyz", timeout=TIMEOUT_S).json() == {
            "status": "ready",
            "checks": {"database": "ok"},
        }
        again = api.post(f"/{biz.phone_number_id}/groups", json={**WHATSAPP, "subject": "y"})
        assert again.status_code == 200, again.text
        assert visitor.open(unseen["code"]).status == 200
        assert member.get("/console").status == 200
        assert visitor.client.get(page).status_code == 200
    finally:
        visitor.close()
        member.close()


def test_background_work_waits_out_an_outage_and_loses_no_opens(
    cut_server: Server, forwarder: Forwarder, biz: Business, api: httpx.Client
) -> None:
    settled(cut_server)
    earlier = len(log_events(cut_server))  # the lines of this test come after these
    group = create_group(api, biz)
    link = new_link(api, group["id"], name="Poster")
    page = f"{cut_server.base_url}/{link['code']}"
    assert (
        httpx.get(page, headers={"User-Agent": "before"}, timeout=TIMEOUT_S).status_code == 200
    )  # cached
    forwarder.cut()
    for agent in ("first", "second", "third"):  # three visitors while the database is away
        assert httpx.get(page, headers={"User-Agent": agent}, timeout=TIMEOUT_S).status_code == 200

    def said() -> list[object]:
        return [e["event"] for e in log_events(cut_server)[earlier:]]

    def paused() -> set[object]:
        return {event for event in said() if "paused" in str(event)}

    every_loop = {
        "rotation paused: database unreachable",
        "counting opens paused: database unreachable",
        "webhook delivery paused: database unreachable",
        "keeping the rate limits paused: database unreachable",  # the views' counts
    }
    eventually(lambda: paused() >= every_loop, "each background loop said it paused")
    forwarder.restore()

    def opens() -> object:
        return read_link(api, group["id"], link["id"])["counts"]["opens"]

    eventually(lambda: opens() == 4, "the views of the outage counted once the database is back")
    resumed = {
        "rotation resumed",
        "counting opens resumed",
        "webhook delivery resumed",
        "keeping the rate limits resumed",
    }
    eventually(lambda: resumed <= set(said()), "each loop resumed")
    events = said()
    for line in every_loop:
        assert events.count(line) == 1, (line, events.count(line))  # one line, not one a round
    assert not [e for e in events if "failed" in str(e) or e == "unhandled"]


def test_serve_started_while_the_database_is_away_waits_for_it_then_starts(
    database: str, forwarder: Forwarder, tmp_path: Path
) -> None:
    forwarder.cut()
    proc, srv = launch_server(
        through(database, forwarder), tmp_path, workers=1, start_wait_seconds="120"
    )
    assert srv.log_path is not None
    try:
        waiting = f"waiting for the database at 127.0.0.1:{forwarder.port} ..."
        eventually(lambda: waiting in srv.log_path.read_text(), "the line that says it waits")
        assert proc.poll() is None  # waiting, not gone
        forwarder.restore()
        wait_until_healthy(proc, srv.base_url, srv.log_path, timeout=DEADLINE_S)
        assert httpx.get(f"{srv.base_url}/readyz", timeout=TIMEOUT_S).status_code == 200
        said = srv.log_path.read_text()
        assert said.count(waiting) == 1 and "Traceback" not in said, said
    finally:
        stop_server(proc)


def test_serve_with_no_database_to_reach_gives_up_after_its_wait_in_one_line(
    tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens there
    env = {
        **os.environ,
        "GROUPLINK_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/grouplink",
        "GROUPLINK_DATA_DIR": str(tmp_path),
        "GROUPLINK_START_WAIT_SECONDS": "1",
    }
    run = subprocess.run(
        [sys.executable, "-m", "grouplink", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run
    said = run.stderr.strip().splitlines()
    assert said[0] == f"waiting for the database at 127.0.0.1:{port} ..."
    assert len(said) == 2 and "Traceback" not in run.stderr, run.stderr
    assert said[1].startswith(f"Error: the database at 127.0.0.1:{port} did not answer within 1 s")
    assert "refused" in said[1].lower()
