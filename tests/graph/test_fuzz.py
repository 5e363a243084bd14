"""Schemathesis over the whole of our own OpenAPI (/openapi.json of a running
server), on both backends: whatever it sends, the answer is never a 5xx, every
error is the Graph envelope, and what a response declares a schema for conforms.

The run is bounded (``MAX_EXAMPLES`` cases per operation, valid and invalid ones
by the schema; derandomized, so CI sends the same cases every time: about 25 s a
backend on two cores) and signed in with a test business's token, with the path's
ids pointed at that business's real phone number, groups, links and invite codes
three times in four, so that cases reach past authentication and "unknown object"
to the rules behind them.
"""

from __future__ import annotations

import collections
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import Server
from tests.graph.helpers import assert_error_body, joined, phone
from tests.support import Business, create_group, make_business

# GROUPLINK_FUZZ_EXAMPLES=200 GROUPLINK_FUZZ_SEED=1 searches harder, with other cases.
MAX_EXAMPLES = int(os.environ.get("GROUPLINK_FUZZ_EXAMPLES", "12"))
SEED = int(os.environ["GROUPLINK_FUZZ_SEED"]) if "GROUPLINK_FUZZ_SEED" in os.environ else None


@dataclass
class World:
    """A business with real objects for the cases' paths: a fresh group per
    operation (a case that deletes or suspends one spoils only its own)."""

    api: httpx.Client
    biz: Business
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    def group_for(self, operation: str) -> dict[str, Any]:
        if operation not in self.groups:
            group = create_group(self.api, self.biz)
            joined(self.biz, group["code"], phone(1))
            links = self.api.get(f"/{group['id']}/invite_links").json()["data"]
            self.groups[operation] = {**group, "link_id": links[0]["id"]}
        return self.groups[operation]

    def aim(self, case: schemathesis.Case) -> None:
        """Point most cases' ids at real objects; leave one in four as generated."""
        group = self.group_for(case.operation.label)
        real = {
            "version": "v23.0",
            "business_id": self.biz.business_id,
            "phone_number_id": self.biz.phone_number_id,
            "group_id": group["id"],
            "link_id": group["link_id"],
            "code": group["code"],
        }
        params = case.path_parameters or {}
        for name, generated in params.items():
            if name in real and (name == "version" or zlib.crc32(repr(generated).encode()) % 4):
                params[name] = real[name]


@pytest.fixture
def world(server: Server) -> Iterator[World]:
    biz = make_business(server.database_url, server.graph)
    with httpx.Client(base_url=biz.graph, headers=biz.auth, timeout=30) as api:
        yield World(api, biz)


@schemathesis.check
def graph_envelope(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool:
    """Every error answer is the Graph envelope of WIRE.md "Errors"."""
    if response.status_code >= 400:
        assert_error_body(response.headers.get("content-type", [""])[0], response.json())
    return True


# response_schema_conformance checks the answers whose schema the OpenAPI declares:
# every error's (GraphError) and the typed 2xx ones (insights, invite links, ...).
CHECKS = [not_a_server_error, graph_envelope, response_schema_conformance]


def test_no_server_error_and_every_error_in_the_envelope(server: Server, world: World) -> None:
    schema = schemathesis.openapi.from_url(server.base_url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30  # the whole document: the Graph API and the sandbox helpers
    failures: list[str] = []
    answered: collections.Counter[str] = collections.Counter()  # operations' 2xx answers
    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=cases)
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=SEED is None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate],  # the first failure is enough: no time spent shrinking
        )
        def run(case: schemathesis.Case) -> None:
            world.aim(case)
            response = case.call_and_validate(headers=world.biz.auth, checks=CHECKS)
            if response.status_code < 300:
                answered[case.operation.label] += 1

        try:
            (run if SEED is None else seed(SEED)(run))()
        except (Exception, BaseExceptionGroup) as failure:  # schemathesis's FailureGroup
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
    # The token and the real ids take cases past authentication to the rules: most
    # operations answered some of them (by their schema alone, only a few would).
    assert len(answered) >= len(operations) // 2, answered
