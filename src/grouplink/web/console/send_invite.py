"""The invite screen's "Send link via WhatsApp": the main link in a message from the
group's number to each phone number the admin typed (POST /{phone_number_id}/messages'
own rules and delivery: the sandbox inbox, or the relay to a real Cloud API)."""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import Response

from grouplink.domain.errors import DomainError, InvalidParameter
from grouplink.domain.messages import Outgoing, Recipient
from grouplink.domain.people import typed_phone
from grouplink.domain.permissions import Ability
from grouplink.services import messages
from grouplink.services.message_relay import Relay
from grouplink.services.overview import GroupView
from grouplink.web.console.common import Console, ConsoleDep, back_to, group_path, load_group
from grouplink.web.console.invite import invite_page
from grouplink.web.context import FormField, check_form

router = APIRouter()

MAX_NUMBERS = 20
_SEPARATORS = re.compile(r"[\n,;]+")


def typed_numbers(text: str) -> list[tuple[str, str]]:
    """(as typed, wa_id) for each number, once each; InvalidParameter naming the first
    that is not a phone number."""
    found: dict[str, str] = {}
    for typed in (part.strip() for part in _SEPARATORS.split(text)):
        if typed:
            found.setdefault(typed_phone(typed), typed)
    if not found:
        raise InvalidParameter("Type at least one phone number.")
    if len(found) > MAX_NUMBERS:
        raise InvalidParameter(f"Send to at most {MAX_NUMBERS} numbers at a time.")
    return [(typed, wa_id) for wa_id, typed in found.items()]


def invite_text(group: GroupView, url: str) -> str:
    return f"Join my WhatsApp group “{group.subject}”: {url}"


@router.post("/groups/{group_id}/invite/send")
async def send_link(
    console: ConsoleDep, group_id: str, csrf: FormField = "", numbers: FormField = ""
) -> Response:
    check_form(console.visitor, csrf)
    group = await load_group(console, group_id, Ability.MANAGE_LINK)
    here = group_path(group.id, "invite")
    if group.link_code is None:
        return back_to(here, "deleted")
    try:
        people = typed_numbers(numbers)
    except InvalidParameter as refused:
        return await _refused(console, group, numbers, refused.details)
    core, settings = console.web.core, console.web.settings
    number = await messages.group_phone_number(core, group.pk)
    text = {"body": invite_text(group, core.link_url(group.link_code)), "preview_url": True}
    relay = None if settings.sandbox_enabled else Relay.from_settings(settings)
    for done, (typed, wa_id) in enumerate(people):
        message = Outgoing(Recipient(typed, wa_id=wa_id), "text", text)
        try:
            await messages.send(
                core,
                group.business_id,
                number,
                message,
                console.viewer.actor(),
                sandbox=settings.sandbox_enabled,
                relay=relay,
            )
        except DomainError as failed:
            left = "\n".join(t for t, _ in people[done:])
            sent = f" It was sent to the {done} before it." if done else ""
            return await _refused(
                console, group, left, f"Not sent to {typed}: {failed.details}.{sent}"
            )
    if len(people) == 1:
        return back_to(here, "sent_one")
    return back_to(here, "sent", n=len(people))


async def _refused(console: Console, group: GroupView, numbers: str, error: str) -> Response:
    return await invite_page(console, group, send={"numbers": numbers, "error": error}, status=400)
