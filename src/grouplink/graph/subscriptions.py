"""Webhook subscriptions as Meta's Graph API has them, plus the delivery log.

``/{business_id}/subscriptions`` takes ``object``, ``callback_url``,
``verify_token`` and ``fields``; the receiver must pass the hub.challenge
handshake first. ``/{business_id}/webhook_deliveries`` shows what was sent,
every attempt, and brings dead-lettered events back.
"""

from __future__ import annotations

from typing import Annotated, Literal, cast

from fastapi import APIRouter, Query, Request
from pydantic import Field
from typing_extensions import TypedDict

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.webhooks import FIELDS, OBJECT, clean_fields
from grouplink.graph.body import Body, optional_str
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody
from grouplink.graph.wire import answers, body_doc
from grouplink.services import subscriptions

router = APIRouter(tags=["Webhooks"])

DeliveryState = Literal["pending", "delivered", "dead"]  # subscriptions.STATES


class SubscribeBody(TypedDict):
    object: Annotated[str, Field(json_schema_extra={"enum": [OBJECT]})]
    callback_url: Annotated[str, Field(json_schema_extra={"format": "uri"})]
    verify_token: str
    fields: Annotated[str, Field(examples=[",".join(FIELDS)])]


class UnsubscribeBody(TypedDict, total=False):
    """Or in the query string, as Meta takes them."""

    callback_url: str
    fields: Annotated[str, Field(examples=[",".join(FIELDS)])]


class RedeliverBody(TypedDict, total=False):
    event_ids: list[str]


class Succeeded(TypedDict):
    success: Literal[True]


class FieldOut(TypedDict):
    name: str
    version: str


class SubscriptionOut(TypedDict):
    object: str
    callback_url: str
    active: Literal[True]
    fields: list[FieldOut]


class SubscriptionList(TypedDict):
    data: list[SubscriptionOut]


class Attempt(TypedDict):
    time: int
    status_code: int | None  # None: no HTTP answer (refused, timed out)
    latency_ms: int
    error: str | None
    response_head: str | None  # the first bytes of the answer


class Delivery(TypedDict):
    event_id: str
    field: str
    type: str
    callback_url: str
    state: DeliveryState
    attempts: int
    created_time: int
    next_attempt_time: int | None  # pending ones only
    attempt_log: list[Attempt]


class DeliveryList(TypedDict):
    data: list[Delivery]


class Redelivered(Succeeded):
    redelivered: int


@router.post(
    "/{version:graph_version}/{business_id}/subscriptions",
    openapi_extra=body_doc(SubscribeBody),
    **answers(Succeeded),
)
async def subscribe(
    request: Request,
    core: CoreDep,
    caller: BusinessId,
    actor: ActorDep,
    business_id: str,
    body: RequestBody,
) -> Succeeded:
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


@router.get("/{version:graph_version}/{business_id}/subscriptions", **answers(SubscriptionList))
async def list_subscriptions(
    core: CoreDep, caller: BusinessId, business_id: str
) -> SubscriptionList:
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


@router.delete(
    "/{version:graph_version}/{business_id}/subscriptions",
    openapi_extra=body_doc(UnsubscribeBody, required=False),
    **answers(Succeeded),
)
async def unsubscribe(
    core: CoreDep,
    caller: BusinessId,
    actor: ActorDep,
    business_id: str,
    body: RequestBody,
    callback_url: str | None = None,
    fields: str | None = None,
) -> Succeeded:
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


@router.get("/{version:graph_version}/{business_id}/webhook_deliveries", **answers(DeliveryList))
async def list_deliveries(
    core: CoreDep,
    caller: BusinessId,
    business_id: str,
    state: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveryList:
    """Recent deliveries (pending, delivered or dead), each with every attempt."""
    subscriptions.check_business(caller, business_id)
    found = await subscriptions.list_deliveries(core, caller, state, limit)
    return {"data": cast(list[Delivery], found)}  # services/subscriptions.py builds them so


@router.post(
    "/{version:graph_version}/{business_id}/webhook_deliveries/redeliver",
    openapi_extra=body_doc(RedeliverBody),
    **answers(Redelivered),
)
async def redeliver(
    core: CoreDep, caller: BusinessId, actor: ActorDep, business_id: str, body: RequestBody
) -> Redelivered:
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
