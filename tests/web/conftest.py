"""Fixtures of the page tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import Server
from tests.web.browser import close_chromium
from tests.web.pages import Person


@pytest.fixture(scope="session", autouse=True)
def _one_chromium() -> Iterator[None]:
    """The browser tests share one Chromium per process (tests.web.browser.chromium)."""
    yield
    close_chromium()


@pytest.fixture
def people(server: Server) -> Iterator[Callable[..., Person]]:
    """Makes people with browsers of their own (``people()`` or ``people(wa_id)``),
    closed when the test ends."""
    made: list[Person] = []

    def make(wa_id: str | None = None) -> Person:
        person = Person(server.base_url, wa_id)
        made.append(person)
        return person

    yield make
    for person in made:
        person.close()
