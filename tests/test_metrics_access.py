"""Who may read /metrics: the app in this process over real HTTP semantics
(httpx's ASGI transport names the client's address), with its lifespan run on the
real database. Refusals are Graph API errors, in the Graph envelope."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from grouplink.app import create_app
from grouplink.settings import Settings
from tests.graph.helpers import assert_envelope
from tests.metrics_support import parse

PUBLIC, PRIVATE = "203.0.113.7", "10.1.2.3"
Ask = tuple[str, dict[str, str]]  # (client address, headers)


def answers(
    database_url: str, data_dir: Path, asks: list[Ask], **settings: str
) -> list[httpx.Response]:
    """GET /metrics from each (address, headers), on an app made with ``settings``."""

    async def run() -> list[httpx.Response]:
        # No sign-in code is asked for here: the log sender may stay, even in production.
        made = Settings(
            database_url=database_url,
            data_dir=data_dir,
            dispatcher="off",
            code_sender_log_in_production=True,
            **settings,
        )
        app = create_app(made)
        found = []
        async with app.router.lifespan_context(app):
            for client, headers in asks:
                transport = httpx.ASGITransport(app=app, client=(client, 40123))
                async with httpx.AsyncClient(transport=transport, base_url="http://gl") as http:
                    found.append(await http.get("/metrics", headers=headers))
        return found

    return asyncio.run(run())


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, database_urls: dict[str, str | None]) -> str:
    url = database_urls[request.param]
    if url is None:
        pytest.skip("PostgreSQL is not reachable (set GROUPLINK_TEST_POSTGRES_URL); CI runs it")
    return url


def test_production_lets_loopback_and_private_networks_read_and_refuses_the_rest(
    database_url: str, tmp_path: Path
) -> None:
    local, private, v6, public, proxied = answers(
        database_url,
        tmp_path,
        [
            ("127.0.0.1", {}),
            (PRIVATE, {}),
            ("::1", {}),
            (PUBLIC, {}),
            # nginx on loopback passing a client on: the client's address is unknown
            ("127.0.0.1", {"X-Forwarded-For": PUBLIC}),
        ],
        profile="production",
    )
    for allowed in (local, private, v6):
        assert allowed.status_code == 200, allowed.text
        assert parse(allowed.text).value("grouplink_database_up") == 1
    for refused in (public, proxied):
        error = assert_envelope(refused, 403, 10)
        assert "/metrics" in error["error_data"]["details"]


def test_a_token_is_asked_for_on_top_of_the_address(database_url: str, tmp_path: Path) -> None:
    token = "metrics-token-4f1a9c"
    missing, wrong, right, lowercase, right_but_public = answers(
        database_url,
        tmp_path,
        [
            (PRIVATE, {}),
            (PRIVATE, {"Authorization": "Bearer not-it"}),
            (PRIVATE, {"Authorization": f"Bearer {token}"}),
            (PRIVATE, {"Authorization": f"bearer {token}"}),
            (PUBLIC, {"Authorization": f"Bearer {token}"}),
        ],
        profile="production",
        metrics_token=token,
    )
    assert_envelope(missing, 401, 104)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert_envelope(wrong, 401, 190)
    assert right.status_code == 200 and "grouplink_db_pool_size" in right.text
    assert lowercase.status_code == 200
    assert_envelope(right_but_public, 403, 10)


def test_the_allow_list_replaces_the_default_and_zero_prefixes_open_it(
    database_url: str, tmp_path: Path
) -> None:
    listed, unlisted = answers(
        database_url,
        tmp_path,
        [(PUBLIC, {}), (PRIVATE, {})],
        profile="production",
        metrics_allow="203.0.113.0/24",
    )
    assert listed.status_code == 200
    assert_envelope(unlisted, 403, 10)
    [anyone, forwarded] = answers(
        database_url,
        tmp_path,
        [(PUBLIC, {}), ("127.0.0.1", {"X-Forwarded-For": PUBLIC})],
        profile="production",
        metrics_allow="0.0.0.0/0, ::/0",
    )
    assert anyone.status_code == 200 and forwarded.status_code == 200


def test_behind_a_trusted_proxy_the_client_it_names_is_judged(
    database_url: str, tmp_path: Path
) -> None:
    public, private = answers(
        database_url,
        tmp_path,
        [("127.0.0.1", {"X-Forwarded-For": PUBLIC}), ("127.0.0.1", {"X-Forwarded-For": PRIVATE})],
        profile="production",
        trusted_proxies="127.0.0.1",
    )
    assert_envelope(public, 403, 10)
    assert private.status_code == 200


def test_the_local_profile_lets_anyone_read(database_url: str, tmp_path: Path) -> None:
    [public] = answers(database_url, tmp_path, [(PUBLIC, {})])
    assert public.status_code == 200


def test_an_allow_list_entry_that_is_no_network_stops_the_program() -> None:
    with pytest.raises(ValidationError, match="not an address or a network"):
        Settings(metrics_allow="10.0.0.0/8, intranet")
