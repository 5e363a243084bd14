"""Webhook subscriptions as Meta's Graph API has them, plus the delivery log.

``/{business_id}/subscriptions`` takes ``object``, ``callback_url``,
``verify_token`` and ``fields``; the receiver must pass the hub.challenge
handshake first. ``/{business_id}/webhook_deliveries`` shows what was sent,
every attempt, and brings dead-lettered events back.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.webhooks import FIELDS, OBJECT, clean_fields
from grouplink.graph.body import Body, optional_str
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody, body_doc
from grouplink.services import subscriptions

router = APIRouter(tags=["Webhooks"])

_SUBSCRIBE_SCHEMA = {
    "type": "object",
    "required": ["object", "callback_url", "verify_token", "fields"],
    "properties": {
        "object": {"type": "string", "enum": [OBJECT]},
        "callback_url": {"type": "string", "format": "uri"},
        "verify_token": {"type": "string"},
        "fields": {"type": "string", "example": ",".join(FIELDS)},
    },
}
_REDELIVER_SCHEMA = {
    "type": "object",
    "properties": {"event_ids": {"type": "array", "items": {"type": "string"}}},
}


@router.post(
    "/{version:graph_version}/{business_id}/subscriptions",
    openapi_extra=body_doc(_SUBSCRIBE_SCHEMA),
)
async def subscribe(
    request: Request,
    core: CoreDep,
    caller: BusinessId,
    actor: ActorDep,
    business_id: str,
    body: RequestBody,
) -> dict[str, Any]:
    """Subscribe a callback URL to webhook fields, after the verification handshake."""
    subscriptions.check_business(caller, business_id)
    subscriptions.clean_object(body.get("object"))
    await subscriptions.subscribe(
        core,
        caller,
        body.get("callback_url"),
        body.get("verify_token"),
        clean_fields(body.get("fields")),
        actor,
        handshake_timeout_s=request.app.state.settings.webhook_timeout_seconds,
        allow_private=request.app.state.settings.webhook_private_allowed,
    )
    return {"success": True}


@router.get("/{version:graph_version}/{business_id}/subscriptions")
async def list_subscriptions(core: CoreDep, caller: BusinessId, business_id: str) -> dict[str, Any]:
    """The business's subscriptions in Meta's shape."""
    subscriptions.check_business(caller, business_id)
    return {
        "data": [
            {
                "object": s.object,
                "callback_url": s.callback_url,
                "active": True,
                "fields": [{"name": name, "version": "v23.0"} for name in s.fields],
            }
            for s in await subscriptions.list_subscriptions(core, caller)
        ]
    }


@router.delete("/{version:graph_version}/{business_id}/subscriptions")
async def unsubscribe(
    core: CoreDep,
    caller: BusinessId,
    actor: ActorDep,
    business_id: str,
    body: RequestBody,
    callback_url: str | None = None,
    fields: str | None = None,
) -> dict[str, Any]:
    """Remove subscriptions: all, the one at `callback_url`, or only some `fields`."""
    subscriptions.check_business(caller, business_id)
    url = callback_url or optional_str(body, "callback_url")
    names = fields or body.get("fields")
    await subscriptions.unsubscribe(
        core,
        caller,
        actor,
        callback_url=url,
        fields=clean_fields(names) if names else None,
    )
    return {"success": True}


@router.get("/{version:graph_version}/{business_id}/webhook_deliveries")
async def list_deliveries(
    core: CoreDep,
    caller: BusinessId,
    business_id: str,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Recent deliveries (pending, delivered or dead), each with every attempt."""
    subscriptions.check_business(caller, business_id)
    return {"data": await subscriptions.list_deliveries(core, caller, state, limit)}


@router.post(
    "/{version:graph_version}/{business_id}/webhook_deliveries/redeliver",
    openapi_extra=body_doc(_REDELIVER_SCHEMA),
)
async def redeliver(
    core: CoreDep, caller: BusinessId, actor: ActorDep, business_id: str, body: RequestBody
) -> dict[str, Any]:
    """Send again: the listed `event_ids`, or every dead-lettered delivery."""
    subscriptions.check_business(caller, business_id)
    count = await subscriptions.redeliver(core, caller, actor, _event_ids(body))
    return {"success": True, "redelivered": count}


def _event_ids(body: Body) -> list[str] | None:
    raw = body.get("event_ids")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw):
        raise InvalidParameter("event_ids must be a list of event ids")
    return raw
