"""The OpenAPI document as clients need it: bearer auth, Graph errors, no 422s."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from grouplink.graph import idempotency

_GRAPH_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "code", "error_data", "fbtrace_id"],
            "properties": {
                "message": {"type": "string", "example": "(#131041) Group unknown"},
                "type": {"type": "string", "example": "OAuthException"},
                "code": {"type": "integer", "example": 131041},
                "error_data": {
                    "type": "object",
                    "properties": {
                        "messaging_product": {"type": "string", "example": "whatsapp"},
                        "details": {"type": "string"},
                    },
                },
                "fbtrace_id": {"type": "string"},
            },
        }
    },
}
_ERROR_RESPONSE = {
    "description": "A Graph API error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GraphError"}}},
}
_PUBLIC = {"/healthz", "/readyz"}
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
        components.setdefault("schemas", {})["GraphError"] = _GRAPH_ERROR
        components["securitySchemes"] = {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API token"}
        }
        for schema_name in ("HTTPValidationError", "ValidationError"):
            components["schemas"].pop(schema_name, None)
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)
                responses["default"] = _ERROR_RESPONSE
                if path not in _PUBLIC:
                    operation["security"] = [{"bearerAuth": []}]
        idempotency.document(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
