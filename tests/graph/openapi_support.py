"""Real answers checked against the schemas grouplink's own /openapi.json declares.

A :class:`Recorder` keeps every answer an httpx client receives; :func:`check` finds
each one's operation in the document (method and path template), takes the schema
declared for its status (an error falls back to ``default``, the Graph envelope) and
validates the body with its ``$ref`` s resolved. The schemas are closed first (every
object refuses keys it does not declare), so a field the server sends but the document
forgets fails as surely as a mistyped one.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from jsonschema import Draft202012Validator

VERSION = r"v\d+\.\d+"


@dataclass(frozen=True)
class Answer:
    method: str
    path: str
    status: int
    body: Any


@dataclass
class Recorder:
    """An httpx response hook that keeps every JSON answer."""

    answers: list[Answer] = field(default_factory=list)

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        if response.headers.get("content-type", "").startswith("application/json"):
            request = response.request
            self.answers.append(
                Answer(request.method, request.url.path, response.status_code, response.json())
            )


def operations(document: dict[str, Any]) -> list[tuple[str, str, re.Pattern[str]]]:
    """(METHOD, template, pattern) for every operation, fewer path parameters first
    (so ``/{version}/{group_id}/invite_link`` is tried before anything vaguer)."""
    found = []
    for template, methods in document["paths"].items():
        parts = [
            VERSION if part == "{version}" else "[^/]+" if part.startswith("{") else re.escape(part)
            for part in template.strip("/").split("/")
        ]
        pattern = re.compile("^/" + "/".join(parts) + "$")
        found += [(method.upper(), template, pattern) for method in methods]
    return sorted(found, key=lambda op: op[2].pattern.count("[^/]+"))


def operation_of(document: dict[str, Any], method: str, path: str) -> str:
    """``"POST /{version}/{group_id}"``: the operation an answer came from."""
    for op_method, template, pattern in operations(document):
        if op_method == method and pattern.match(path):
            return f"{method} {template}"
    raise AssertionError(f"{method} {path} is no operation of /openapi.json")


def declared_schema(document: dict[str, Any], operation: str, status: int) -> dict[str, Any]:
    """The JSON schema the document declares for ``operation`` answering ``status``."""
    method, template = operation.split(" ", 1)
    responses = document["paths"][template][method.lower()]["responses"]
    response = responses.get(str(status))
    if response is None and status >= 400:
        response = responses.get("default")
    assert response is not None, f"{operation} declares no {status} answer: {sorted(responses)}"
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    assert schema, f"{operation} declares its {status} answer without a schema"
    return dict(schema)


def closed(schema: Any) -> Any:
    """A copy in which every object with declared properties refuses undeclared keys."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    shut = {key: closed(value) for key, value in schema.items()}
    if "properties" in shut and "additionalProperties" not in shut:
        shut["additionalProperties"] = False
    return shut


def validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """``schema`` with the document's components beside it, so ``#/components/...`` resolves."""
    root = {**closed(schema), "components": closed(copy.deepcopy(document["components"]))}
    return Draft202012Validator(root)


def problems(document: dict[str, Any], answer: Answer) -> list[str]:
    """What is wrong with ``answer`` by the document's declaration; [] if nothing."""
    operation = operation_of(document, answer.method, answer.path)
    try:
        schema = declared_schema(document, operation, answer.status)
    except AssertionError as missing:
        return [str(missing)]
    found = sorted(
        validator(document, schema).iter_errors(answer.body), key=lambda e: list(e.absolute_path)
    )
    return [
        f"{operation} -> {answer.status} at {'/'.join(map(str, e.absolute_path)) or '(top)'}: "
        f"{e.message}\n  {json.dumps(answer.body)[:600]}"
        for e in found
    ]


def check(document: dict[str, Any], answers: list[Answer]) -> None:
    """Raise AssertionError naming every answer the document does not declare as sent."""
    found = [problem for answer in answers for problem in problems(document, answer)]
    assert not found, "\n".join(found)
