"""Sending a message (the invite link, most often) to one person.

In the sandbox it lands in the person's inbox at once and the ``messages`` webhook
reports it ``sent`` then ``delivered``, both written in the send's own transaction
with its audit row, as every change here is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grouplink.domain import messages as rules
from grouplink.domain.errors import Undeliverable
from grouplink.domain.messages import Outgoing
from grouplink.services.core import Actor, Core
from grouplink.services.groups import unknown_phone_number
from grouplink.store import messages as store
from grouplink.store import queries

INBOX_MAX = 100


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: str
    input: str
    wa_id: str
    user_id: str

    def answer(self) -> dict[str, Any]:
        """Meta's answer to the send call; grouplink adds the person's BSUID."""
        contact = {"input": self.input, "wa_id": self.wa_id, "user_id": self.user_id}
        return {
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [{"id": self.message_id, "message_status": "accepted"}],
        }


async def send(
    core: Core,
    business_id: str,
    phone_number_id: str,
    message: Outgoing,
    actor: Actor,
    *,
    sandbox: bool,
) -> Sent:
    if not sandbox:
        raise Undeliverable(
            "This server delivers messages only to its sandbox inboxes (GROUPLINK_SANDBOX)"
        )
    now = core.clock()
    async with core.db.write() as conn:
        number = await store.phone_number(conn, business_id, phone_number_id)
        if number is None:
            raise unknown_phone_number(phone_number_id)
        to = message.recipient
        if to.wa_id is not None:
            person = await queries.ensure_person(conn, business_id, to.wa_id, now, core.secret)
        else:
            assert to.user_id is not None
            found = await queries.find_person_by_user_id(conn, business_id, to.user_id)
            if found is None:
                raise Undeliverable(f"No WhatsApp user {to.user_id} is known to this business")
            person = found
        message_id = rules.wamid(person.wa_id)
        await store.add(
            conn,
            message_id=message_id,
            number=number,
            person_pk=person.pk,
            kind=message.type,
            content=message.content,
            via="inbox",
            now=now,
        )
        for state in ("sent", "delivered"):
            event = rules.status(message_id, state, now, person.wa_id, person.user_id)
            await queries.emit_for(conn, business_id, phone_number_id, event, now)
        await queries.audit(
            conn,
            business_id=business_id,
            actor=actor,
            action="message.send",
            now=now,
            wa_ids=[person.wa_id],
            message_id=message_id,
            type=message.type,
        )
    return Sent(message_id, to.input, person.wa_id, person.user_id)


async def inbox(core: Core, business_id: str, wa_id: str, limit: int) -> list[dict[str, Any]]:
    async with core.db.read() as conn:
        return await store.inbox(conn, business_id, wa_id, limit)
