"""grouplink's answers and webhook events, checked against Meta's own schemas.

tests/meta/groups.json holds the answer schemas of Meta's Groups operations and of its
send-message call, and the webhook values (group events; the statuses of sent
messages), extracted from Meta's OpenAPI spec (scripts/meta_schemas.py). Every Graph
API answer that a test client receives (:func:`graph_client`, the ``api`` fixture) and
every webhook a test receiver records (tests/receiver.py) is checked:
extra keys are allowed, wrong types and nulls are not. Errors from any Graph path,
grouplink's extensions included, are checked against Meta's error envelope.

Where WIRE.md chose otherwise than Meta's spec, the choice is made here, once,
naming the line of WIRE.md it follows (:data:`WIRE_CHOICES`).
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator

EXTRACT = Path(__file__).with_name("meta") / "groups.json"
VERSION = r"v\d+\.\d+"
GRAPH_PATH = re.compile(rf"^/{VERSION}/")

# WIRE.md, Webhooks: "timestamp":"<unix seconds, as a string>", where Meta's spec says
# integer; and the event names of Meta's docs and of real integrations, where the spec
# spells some differently ("**choice**: the docs names").
WIRE_CHOICES = {
    "timestamp": {"type": "string", "pattern": r"^\d+$"},
    "type": [
        "group_create",
        "group_delete",
        "group_settings_update",
        "group_participants_add",
        "group_participants_remove",
        "group_join_request_created",
        "group_join_request_revoked",
        "group_suspend",
        "group_suspend_cleared",
    ],
}


@cache
def _extract() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(EXTRACT.read_text())
    return found


@cache
def _operations() -> list[tuple[str, re.Pattern[str], dict[str, Any]]]:
    """(method, path pattern, answers by status), paths with more literal parts first."""
    found = []
    for name, answers in _extract()["operations"].items():
        method, template = name.split(" ", 1)
        parts = [
            VERSION if part == "{Version}" else "[^/]+" if part.startswith("{") else re.escape(part)
            for part in template.strip("/").split("/")
        ]
        found.append((method, re.compile("^/" + "/".join(parts) + "$"), answers))
    return sorted(found, key=lambda op: op[1].pattern.count("[^/]+"))


@cache
def _error_envelope() -> Draft202012Validator:
    """Meta's error answer (the spec declares it once, on group creation), with
    fbtrace_id and error_data as every Graph error has them (WIRE.md, Errors)."""
    schema = copy.deepcopy(
        _extract()["operations"]["POST /{Version}/{Phone-Number-ID}/groups"]["400"]
    )
    error = schema["properties"]["error"]
    error["properties"]["fbtrace_id"] = {"type": "string"}
    error["properties"]["error_data"] = {
        "type": "object",
        "properties": {"messaging_product": {"const": "whatsapp"}, "details": {"type": "string"}},
        "required": ["details"],
    }
    error["required"] = sorted({*error.get("required", []), "code", "fbtrace_id"})
    schema["required"] = ["error"]
    return Draft202012Validator(schema)


@cache
def _webhook_value() -> Draft202012Validator:
    schema = copy.deepcopy(_extract()["webhook_value"])
    event = schema["properties"]["groups"]["items"]
    event["properties"]["timestamp"] = WIRE_CHOICES["timestamp"]
    event["properties"]["type"]["enum"] = WIRE_CHOICES["type"]
    return Draft202012Validator(schema)


@cache
def _webhook_event() -> Draft202012Validator:
    """One item of ``value.groups``."""
    return Draft202012Validator(_webhook_value().schema["properties"]["groups"]["items"])


def check_group_event(item: Any) -> None:
    """Raise AssertionError if one group event breaks Meta's schema for it."""
    _fail(_webhook_event(), item, f"event {item.get('type')}")


def _fail(validator: Draft202012Validator, body: Any, what: str) -> None:
    problems = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if problems:
        said = "; ".join(
            f"at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in problems
        )
        raise AssertionError(
            f"{what} does not match Meta's schema: {said}\n{json.dumps(body)[:2000]}"
        )


def check_answer(method: str, path: str, status: int, body: Any) -> None:
    """Raise AssertionError if a Graph API answer breaks Meta's schema for it."""
    if not GRAPH_PATH.match(path):
        return
    if status >= 400:
        _fail(_error_envelope(), body, f"{method} {path} -> {status}")
        return
    for op_method, pattern, answers in _operations():
        if op_method == method and pattern.match(path):
            schema = answers.get(str(status)) or answers.get("200")
            if schema is not None:
                _fail(Draft202012Validator(schema), body, f"{method} {path} -> {status}")
            return


@cache
def _status_value() -> Draft202012Validator:
    """The ``messages`` field's value for statuses (StatusMessageValue)."""
    return Draft202012Validator(_extract()["status_value"])


def check_event(envelope: Any) -> None:
    """Raise AssertionError if a webhook's value breaks Meta's schema for its field:
    StatusMessageValue for ``messages``, GroupValue for the others."""
    for entry in envelope["entry"]:
        for change in entry["changes"]:
            schema = _status_value() if change["field"] == "messages" else _webhook_value()
            _fail(schema, change["value"], f"webhook {change['field']}")


def check_response(response: httpx.Response) -> None:
    """An httpx response hook: :func:`check_answer` on every JSON answer."""
    response.read()
    if response.headers.get("content-type", "").startswith("application/json"):
        request = response.request
        check_answer(request.method, request.url.path, response.status_code, response.json())


def graph_client(base_url: str, token: str, timeout: float = 30) -> httpx.Client:
    """An HTTP client for the Graph API that checks every answer against Meta's schemas."""
    return httpx.Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
        event_hooks={"response": [check_response]},
    )
