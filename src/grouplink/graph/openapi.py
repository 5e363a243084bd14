"""The OpenAPI document as clients need it: bearer auth, Graph errors, no 422s."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from grouplink.graph import idempotency
from grouplink.graph.envelope import GraphError
from grouplink.graph.wire import declare, declared_schemas

_ERROR_RESPONSE = {
    "description": "A Graph API error",
    "content": {"application/json": {"schema": declare(GraphError)}},
}
_PUBLIC = {"/healthz", "/readyz"}
# The doors whose every answer is declared (graph/wire.py's ``answers``).
_DECLARED = ("/{version}/", "/sandbox/")
# The order /docs shows them in (the routes' order is the order they are tried).
_TAGS = [
    "Groups",
    "Invite links",
    "Join requests",
    "Participants",
    "Messages",
    "grouplink extensions",
    "Webhooks",
    "Sandbox helpers",
    "Operations",
]


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=[{"name": tag} for tag in _TAGS],
        )
        components = schema.setdefault("components", {})
        _add_schemas(components.setdefault("schemas", {}), declared_schemas())
        components["securitySchemes"] = {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API token"}
        }
        for schema_name in ("HTTPValidationError", "ValidationError"):
            components["schemas"].pop(schema_name, None)
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                if path.startswith(_DECLARED):
                    _drop_undeclared(responses)
                responses["default"] = _ERROR_RESPONSE
                if path not in _PUBLIC:
                    operation["security"] = [{"bearerAuth": []}]
        idempotency.document(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _drop_undeclared(responses: dict[str, Any]) -> None:
    """Leave out FastAPI's empty success answer: a Graph route without a declared one
    never succeeds (adding participants), and saying "200: anything" would mislead."""
    for status in [s for s in responses if s.startswith("2")]:
        content = responses[status].get("content", {})
        if not any(media.get("schema") for media in content.values()):
            del responses[status]


def _add_schemas(schemas: dict[str, Any], more: dict[str, Any]) -> None:
    """The request bodies' and the envelope's schemas beside the answers' (a shape
    both use, such as ``MessageText``, is one schema; two of one name would be a bug)."""
    for name, schema in more.items():
        if schemas.setdefault(name, schema) != schema:
            raise RuntimeError(f"Two different OpenAPI schemas are named {name}")
