"""Sending the invite by message (WIRE.md, "Sending the invite by message"): the rules
of Meta's ``POST /{phone_number_id}/messages`` for ``text`` and ``template`` messages,
the ``wamid.`` ids and the ``statuses`` items of the ``messages`` webhook."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.events import Event, Field
from grouplink.domain.people import is_bsuid, normalize_wa_id

TEXT_MAX = 4096  # Meta's limit on a text message's body
TEMPLATE_NAME_MAX = 512
MAX_COMPONENTS = 10
Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who the caller named: ``to`` (a phone number) or ``recipient`` (a BSUID)."""

    input: str
    wa_id: str | None = None
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message as it is stored and shown in the inbox: its ``type`` and that type's
    object (``{"body", "preview_url"}`` or ``{"name", "language", "components"}``)."""

    recipient: Recipient
    type: str
    content: Json


def clean_message(body: Json) -> Outgoing:
    """A send call's body, checked as Meta checks it (error 100 for anything else)."""
    recipient = _recipient(body)
    kind = body.get("type", "text")
    if kind == "text":
        return Outgoing(recipient, "text", _text(body.get("text")))
    if kind == "template":
        return Outgoing(recipient, "template", _template(body.get("template")))
    raise InvalidParameter(f"Message type '{kind}' is not supported here; use text or template")


def _recipient(body: Json) -> Recipient:
    kind = body.get("recipient_type", "individual")
    if kind != "individual":
        raise InvalidParameter("recipient_type must be individual")
    to, bsuid = body.get("to"), body.get("recipient")
    if (to is None) == (bsuid is None):
        raise InvalidParameter("Name the recipient by exactly one of to or recipient")
    if bsuid is not None:
        if not isinstance(bsuid, str) or not is_bsuid(bsuid):
            raise InvalidParameter(f"'{bsuid}' is not a business-scoped user id")
        return Recipient(bsuid, user_id=bsuid)
    if not isinstance(to, str | int):
        raise InvalidParameter("to must be a phone number in international format")
    return Recipient(str(to), wa_id=normalize_wa_id(str(to)))


def _text(raw: object) -> Json:
    if not isinstance(raw, dict) or not isinstance(raw.get("body"), str):
        raise InvalidParameter('A text message needs text: {"body": "..."}')
    body: str = raw["body"]
    if not body.strip():
        raise InvalidParameter("The text body is empty")
    if len(body) > TEXT_MAX:
        raise InvalidParameter(f"The text body is longer than {TEXT_MAX} characters")
    preview = raw.get("preview_url", False)
    if not isinstance(preview, bool):
        raise InvalidParameter("preview_url must be true or false")
    return {"body": body, "preview_url": preview}


def _template(raw: object) -> Json:
    if not isinstance(raw, dict):
        raise InvalidParameter('A template message needs template: {"name", "language"}')
    name, language = raw.get("name"), raw.get("language")
    if not isinstance(name, str) or not 1 <= len(name) <= TEMPLATE_NAME_MAX:
        raise InvalidParameter(f"template.name must be 1 to {TEMPLATE_NAME_MAX} characters")
    if not isinstance(language, dict) or not isinstance(language.get("code"), str):
        raise InvalidParameter('template.language must be {"code": "en_US"}')
    components = raw.get("components", [])
    if not isinstance(components, list) or len(components) > MAX_COMPONENTS:
        raise InvalidParameter(f"template.components must be a list of at most {MAX_COMPONENTS}")
    if not all(isinstance(c, dict) and isinstance(c.get("type"), str) for c in components):
        raise InvalidParameter('Each template component must be an object with a "type"')
    clean: Json = {"name": name, "language": {"code": language["code"]}}
    if components:
        clean["components"] = components
    return clean


def wamid(wa_id: str) -> str:
    """A message id shaped as Meta's: ``wamid.`` and base64 of a short binary record that
    holds the recipient's number and 18 hex digits of the message's own id (decoding
    Meta's example ``wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA`` shows it)."""
    number = wa_id.encode()
    own = secrets.token_hex(9).upper().encode()
    record = b"\x1c\x18" + bytes([len(number)]) + number + b"\x15\x02\x00\x11\x18\x12" + own
    return "wamid." + base64.b64encode(record + b"\x00").decode()


def status(message_id: str, state: str, at_ms: int, wa_id: str, user_id: str) -> Event:
    """One item of the ``messages`` webhook's ``value.statuses`` (``sent``, ``delivered``).
    ``recipient_user_id`` is the person's BSUID, beside the number, as Meta now sends it."""
    return Event(
        Field.MESSAGES,
        {
            "id": message_id,
            "status": state,
            "timestamp": str(at_ms // 1000),
            "recipient_id": wa_id,
            "recipient_user_id": user_id,
        },
    )
