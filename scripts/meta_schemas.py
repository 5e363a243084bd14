"""Extract Meta's answer schemas for the Groups calls, the send-message call and their
webhooks from Meta's spec.

    .venv/bin/python scripts/meta_schemas.py ../shared/reference/business-messaging-api_v23.0.yaml

writes tests/meta/groups.json: for each Groups operation (and the send-message call) its
JSON answers by status, and the webhook values (GroupValue; StatusMessageValue, the
statuses of sent messages), every $ref resolved. The tests validate grouplink's
answers and events against it (tests/meta_schemas.py). The spec is Meta's, from the
public repository facebook/openapi (MIT License, Copyright (c) Meta Platforms, Inc.
and affiliates); the notice travels with the extract.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).resolve().parent.parent / "tests" / "meta" / "groups.json"
NOTICE = (
    "Extracted from Meta's OpenAPI spec business-messaging-api_v23.0.yaml, repository "
    "facebook/openapi, MIT License, Copyright (c) Meta Platforms, Inc. and affiliates. "
    "Made by scripts/meta_schemas.py; do not edit."
)

EXTRA_PATHS = ("/{Version}/{Phone-Number-ID}/messages",)  # sending the invite by message


def resolve(node: Any, spec: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolve(target, spec)
        return {key: resolve(value, spec) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, spec) for item in node]
    return node


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    operations: dict[str, dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        if "group" not in path.lower() and path not in EXTRA_PATHS:
            continue
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            answers = {}
            for status, answer in resolve(operation["responses"], spec).items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if schema is not None:
                    answers[status] = schema
            operations[f"{method.upper()} {path}"] = answers
    schemas = spec["components"]["schemas"]
    webhook = resolve(schemas["GroupValue"], spec)
    statuses = resolve(schemas["StatusMessageValue"], spec)
    return {
        "notice": NOTICE,
        "operations": operations,
        "webhook_value": webhook,
        "status_value": statuses,
    }


def main() -> None:
    spec = yaml.safe_load(Path(sys.argv[1]).read_text())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(extract(spec), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
