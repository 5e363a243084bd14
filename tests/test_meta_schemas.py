"""The checker of tests/meta_schemas.py refuses what breaks Meta's schemas: the shapes
grouplink sent before it followed them, each refused, and today's accepted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.meta_schemas import check_answer, check_event, check_group_event

LIST = "/v23.0/106540352242922/groups"
PAGING = {"cursors": {"before": "QVFI", "after": "QVFJ"}}
EVENT = {
    "timestamp": "1767225600",
    "group_id": "Y2FwaV9ncm91cDox",
    "type": "group_participants_add",
    "request_id": "106540352242922",
    "added_participants": [{"user_id": "US.1", "wa_id": "16505550100"}],
}


def listing(created_at: Any, paging: Any = PAGING) -> dict[str, Any]:
    return {
        "data": {"groups": [{"id": "g", "subject": "s", "created_at": created_at}]},
        "paging": paging,
    }


def test_a_groups_list_needs_string_timestamps_and_cursors() -> None:
    check_answer("GET", LIST, 200, listing("1767225600"))
    with pytest.raises(AssertionError, match="created_at"):
        check_answer("GET", LIST, 200, listing(1767225600))
    with pytest.raises(AssertionError, match="before"):
        check_answer("GET", LIST, 200, listing("1", {"cursors": {"before": None, "after": None}}))
    check_answer("GET", LIST, 200, {"data": {"groups": []}, "paging": {"cursors": {}}})


def test_every_event_carries_a_request_id() -> None:
    check_group_event(EVENT)
    without = {k: v for k, v in EVENT.items() if k != "request_id"}
    with pytest.raises(AssertionError, match="request_id"):
        check_group_event(without)
    with pytest.raises(AssertionError, match="timestamp"):
        check_group_event({**EVENT, "timestamp": None})


def test_a_webhook_envelope_is_checked_item_by_item() -> None:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "16505550100", "phone_number_id": "1"},
        "groups": [EVENT],
    }
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "group_participants_update", "value": value}]}],
    }
    check_event(envelope)
    value["groups"] = [{**EVENT, "type": "group_created_by_magic"}]
    with pytest.raises(AssertionError, match="type"):
        check_event(envelope)


def test_errors_on_every_graph_path_are_the_envelope() -> None:
    error = {
        "message": "(#131041) Group unknown",
        "type": "OAuthException",
        "code": 131041,
        "error_data": {"messaging_product": "whatsapp", "details": "No such group"},
        "fbtrace_id": "AbC",
    }
    check_answer("GET", "/v23.0/g/insights", 400, {"error": error})
    with pytest.raises(AssertionError, match="fbtrace_id"):
        check_answer("GET", "/v23.0/g/insights", 400, {"error": {**error, "fbtrace_id": None}})
    with pytest.raises(AssertionError, match="error"):
        check_answer("DELETE", "/v23.0/g", 405, {"detail": "Method Not Allowed"})
