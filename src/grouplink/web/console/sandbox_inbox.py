"""The sandbox's inboxes in the console: what the business's numbers sent a person
(``POST /{phone_number_id}/messages``, or "Send link via WhatsApp"), newest first,
as ``GET /sandbox/people/{wa_id}/messages`` gives it, and a form to find one by number.

Only the business sees them, and only with the sandbox on: the inbox is the business's
own test tool, as its API twin is behind the business's token. A person the business
has never seen answers "Page not found", as another business's groups do.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from grouplink.domain.errors import InvalidParameter, NotFound
from grouplink.domain.people import normalize_wa_id, typed_phone
from grouplink.services import messages
from grouplink.web import format
from grouplink.web.console import message_view
from grouplink.web.console.common import HOME, Console, ConsoleDep, inbox_path
from grouplink.web.navigation import see_other

router = APIRouter()

SANDBOX = f"{HOME}/sandbox"


def sandbox_business(console: Console) -> str:
    """The business whose sandbox this is; not found for people and with the sandbox off."""
    business_id = console.viewer.business_id
    if business_id is None or not console.sees_sandbox:
        raise NotFound("The sandbox's inboxes are the business's, with the sandbox on")
    return business_id


@router.get("/sandbox")
async def find_inbox(console: ConsoleDep, phone: str | None = None) -> Response:
    """The form; sent (``?phone=``), the person's inbox, or the form saying why not."""
    business_id = sandbox_business(console)
    if phone is None:
        return _find_page(console, "")
    try:
        wa_id = typed_phone(phone)
    except InvalidParameter as refused:
        return _find_page(console, phone, refused.details, 400)
    if not await messages.has_inbox(console.web.core, business_id, wa_id):
        shown = format.display_phone(wa_id)
        error = f"{shown} has no inbox here yet: nothing was sent to them and they opened no link."
        return _find_page(console, phone, error, 404)
    return see_other(inbox_path(wa_id))


def _find_page(console: Console, phone: str, error: str = "", status: int = 200) -> Response:
    return console.render(
        "console/sandbox.html", status, **console.chrome(SANDBOX), phone=phone, error=error
    )


@router.get("/sandbox/people/{wa_id}/messages")
async def inbox(console: ConsoleDep, wa_id: str) -> Response:
    business_id = sandbox_business(console)
    core = console.web.core
    try:
        person = normalize_wa_id(wa_id)
    except InvalidParameter:
        raise NotFound(f"'{wa_id}' is not a phone number") from None
    if not await messages.has_inbox(core, business_id, person):
        raise NotFound(f"No person {person} in this business's sandbox")
    found = await messages.inbox(core, business_id, person, messages.INBOX_MAX)
    now = core.clock()
    return console.render(
        "console/inbox.html",
        **console.chrome(inbox_path(person)),
        phone=format.display_phone(person),
        messages=[message_view.row(message, now) for message in found],
        capped=len(found) == messages.INBOX_MAX,
        most=messages.INBOX_MAX,
        sandbox=SANDBOX,
    )
