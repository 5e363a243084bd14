"""WIRE.md, "Sending the invite by message": Meta's send call, for text and template
messages (send the invite link to someone)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from grouplink.domain.messages import TEMPLATE_NAME_MAX, TEXT_MAX, clean_message
from grouplink.graph.body import require_whatsapp
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody, body_doc
from grouplink.services import messages
from grouplink.services.message_relay import Relay

router = APIRouter(tags=["Messages"])

_SCHEMA = {
    "type": "object",
    "required": ["messaging_product"],
    "properties": {
        "messaging_product": {"type": "string", "enum": ["whatsapp"]},
        "recipient_type": {"type": "string", "enum": ["individual"]},
        "to": {
            "type": "string",
            "description": "the person's phone number",
            "example": "+16315551234",
        },
        "recipient": {"type": "string", "description": "or their BSUID (US.1349...)"},
        "type": {"type": "string", "enum": ["text", "template"], "default": "text"},
        "text": {
            "type": "object",
            "required": ["body"],
            "properties": {
                "body": {"type": "string", "minLength": 1, "maxLength": TEXT_MAX},
                "preview_url": {"type": "boolean"},
            },
        },
        "template": {
            "type": "object",
            "required": ["name", "language"],
            "properties": {
                "name": {"type": "string", "maxLength": TEMPLATE_NAME_MAX},
                "language": {"type": "object", "properties": {"code": {"type": "string"}}},
                "components": {"type": "array", "items": {"type": "object"}},
            },
        },
    },
}


@router.post("/{version:graph_version}/{phone_number_id}/messages", openapi_extra=body_doc(_SCHEMA))
async def send_message(
    request: Request,
    core: CoreDep,
    business_id: BusinessId,
    actor: ActorDep,
    phone_number_id: str,
    body: RequestBody,
) -> dict[str, Any]:
    """Send a text or template message (the invite link) to a phone number or BSUID.
    In the sandbox it lands in the person's inbox (`GET /sandbox/people/{wa_id}/messages`)
    and the `messages` webhook reports it `sent`, then `delivered`; outside it, it is
    relayed to a real Cloud API if `GROUPLINK_MESSAGES_RELAY` is on."""
    require_whatsapp(body)
    message = clean_message(body)
    settings = request.app.state.settings
    sandbox: bool = settings.sandbox_enabled
    relay = None if sandbox else Relay.from_settings(settings)
    sent = await messages.send(
        core, business_id, phone_number_id, message, actor, sandbox=sandbox, relay=relay
    )
    return sent.answer()
