"""WIRE.md, "Sending the invite by message": Meta's send call, for text and template
messages (send the invite link to someone)."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired, cast

from fastapi import APIRouter, Request
from pydantic import Field
from typing_extensions import TypedDict

from grouplink.domain.messages import MAX_COMPONENTS, TEMPLATE_NAME_MAX, TEXT_MAX, clean_message
from grouplink.graph.body import require_whatsapp
from grouplink.graph.deps import ActorDep, BusinessId, CoreDep, RequestBody
from grouplink.graph.wire import WhatsApp, WhatsAppBody, answers, body_doc
from grouplink.services import messages
from grouplink.services.message_relay import Relay

router = APIRouter(tags=["Messages"])


class MessageText(TypedDict):
    body: Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]
    preview_url: NotRequired[bool]


class TemplateLanguage(TypedDict):
    code: Annotated[str, Field(examples=["en_US"])]


class TemplateComponent(TypedDict):
    type: str  # and the component's own keys, passed on as sent


class MessageTemplate(TypedDict):
    name: Annotated[str, Field(min_length=1, max_length=TEMPLATE_NAME_MAX)]
    language: TemplateLanguage
    components: NotRequired[Annotated[list[TemplateComponent], Field(max_length=MAX_COMPONENTS)]]


class SendMessageBody(WhatsAppBody):
    recipient_type: NotRequired[Literal["individual"]]
    to: NotRequired[
        Annotated[str, Field(description="the person's phone number", examples=["+16315551234"])]
    ]
    recipient: NotRequired[Annotated[str, Field(description="or their BSUID (US.1349...)")]]
    type: NotRequired[
        Annotated[Literal["text", "template"], Field(json_schema_extra={"default": "text"})]
    ]
    text: NotRequired[MessageText]
    template: NotRequired[MessageTemplate]


class Contact(TypedDict):
    input: str  # the number or BSUID as the caller wrote it
    wa_id: str
    user_id: str  # grouplink's addition: the person's BSUID


class MessageAccepted(TypedDict):
    id: str  # wamid.
    message_status: Literal["accepted"]


class MessageSent(TypedDict):
    messaging_product: WhatsApp
    contacts: list[Contact]
    messages: list[MessageAccepted]


# ``from`` is a keyword in Python: the functional form names it.
InboxMessage = TypedDict(
    "InboxMessage",
    {
        "id": str,
        "from": str,  # the business's display phone number
        "phone_number_id": str,
        "timestamp": str,  # unix seconds, as a string (as Meta's messages have it)
        "type": Literal["text", "template"],
        "text": NotRequired[MessageText],  # the one of the two that ``type`` names
        "template": NotRequired[MessageTemplate],
    },
)


class Inbox(TypedDict):
    data: list[InboxMessage]


@router.post(
    "/{version:graph_version}/{phone_number_id}/messages",
    openapi_extra=body_doc(SendMessageBody),
    **answers(MessageSent),
)
async def send_message(
    request: Request,
    core: CoreDep,
    business_id: BusinessId,
    actor: ActorDep,
    phone_number_id: str,
    body: RequestBody,
) -> MessageSent:
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
    return cast(MessageSent, sent.answer())  # services/messages.py builds it so
