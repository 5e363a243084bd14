"""Servers for webhook tests, one of each per backend for the whole session.

``fast_server`` retries quickly and gives up soon, so retries and dead letters
take seconds; ``quiet_server`` delivers nothing itself (dispatcher off), so
`grouplink worker` processes do. Each has a database of its own: the shared
server's dispatchers must not deliver these tests' events with other settings.
Tests stay apart by making their own business and receiver.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Server, own_server


@pytest.fixture(scope="session")
def fast_server(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with own_server(
        server.backend,
        tmp_path_factory.mktemp(f"fast-{server.backend}"),
        webhook_backoff_base_ms="50",
        webhook_backoff_cap_ms="200",
        webhook_retry_seconds="3",
        webhook_timeout_seconds="0.5",
    ) as srv:
        yield srv


@pytest.fixture(scope="session")
def quiet_server(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with own_server(
        server.backend, tmp_path_factory.mktemp(f"quiet-{server.backend}"), dispatcher="off"
    ) as srv:
        yield srv
