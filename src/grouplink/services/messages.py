"""Sending a message (the invite link, most often) to one person.

In the sandbox it lands in the person's inbox at once and the ``messages`` webhook
reports it ``sent`` then ``delivered``, both written in the send's own transaction
with its audit row, as every change here is. Outside it the relay passes it on to
a real Cloud API (services/message_relay.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from grouplink.domain import messages as rules
from grouplink.domain.errors import Undeliverable
from grouplink.domain.messages import Outgoing
from grouplink.services.core import Actor, Core
from grouplink.services.groups import unknown_phone_number
from grouplink.services.message_relay import Relay
from grouplink.store import messages as store
from grouplink.store import queries
from grouplink.store.queries import Row

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
    relay: Relay | None,
) -> Sent:
    """In the sandbox, into the person's inbox with its statuses; outside it, through
    the relay if there is one (stored only once the Cloud API took it), else 131026."""
    if not sandbox and relay is None:
        raise Undeliverable(
            "This server has no Cloud API to send messages through (GROUPLINK_MESSAGES_RELAY)"
        )
    now = core.clock()
    if sandbox:
        async with core.db.write() as conn:
            number, person = await _sender_and_person(
                conn, core, business_id, phone_number_id, message
            )
            message_id = rules.wamid(person.wa_id)
            await _record(conn, number, person, message, message_id, "inbox", actor, now)
            for state in ("sent", "delivered"):
                event = rules.status(message_id, state, now, person.wa_id, person.user_id)
                await queries.emit_for(conn, business_id, phone_number_id, event, now)
    else:
        assert relay is not None
        async with core.db.write() as conn:  # a new person is made on first sight
            number, person = await _sender_and_person(
                conn, core, business_id, phone_number_id, message
            )
        # No transaction is held open while the Cloud API answers.
        message_id = await relay.send(person.wa_id, message)
        async with core.db.write() as conn:
            await _record(conn, number, person, message, message_id, "relay", actor, now)
    return Sent(message_id, message.recipient.input, person.wa_id, person.user_id)


async def _sender_and_person(
    conn: AsyncConnection, core: Core, business_id: str, phone_number_id: str, message: Outgoing
) -> tuple[Row, Row]:
    number = await store.phone_number(conn, business_id, phone_number_id)
    if number is None:
        raise unknown_phone_number(phone_number_id)
    to = message.recipient
    if to.wa_id is not None:
        person = await queries.ensure_person(conn, business_id, to.wa_id, core.clock(), core.secret)
        return number, person
    assert to.user_id is not None
    found = await queries.find_person_by_user_id(conn, business_id, to.user_id)
    if found is None:
        raise Undeliverable(f"No WhatsApp user {to.user_id} is known to this business")
    return number, found


async def _record(
    conn: AsyncConnection,
    number: Row,
    person: Row,
    message: Outgoing,
    message_id: str,
    via: str,
    actor: Actor,
    now: int,
) -> None:
    """The message and its audit row, in the caller's transaction."""
    await store.add(
        conn,
        message_id=message_id,
        number=number,
        person_pk=person.pk,
        kind=message.type,
        content=message.content,
        via=via,
        now=now,
    )
    await queries.audit(
        conn,
        business_id=number.business_id,
        actor=actor,
        action="message.send",
        now=now,
        wa_ids=[person.wa_id],
        message_id=message_id,
        type=message.type,
        via=via,
    )


async def inbox(core: Core, business_id: str, wa_id: str, limit: int) -> list[dict[str, Any]]:
    async with core.db.read() as conn:
        return await store.inbox(conn, business_id, wa_id, limit)


async def has_inbox(core: Core, business_id: str, wa_id: str) -> bool:
    """Whether the person is one of the business's (messaged, or seen on a link): the
    console tells an empty inbox from a stranger's, which it answers as not found."""
    async with core.db.read() as conn:
        return await queries.find_person(conn, business_id, wa_id) is not None


async def group_phone_number(core: Core, group_pk: int) -> str:
    async with core.db.read() as conn:
        return await store.group_phone_number(conn, group_pk)
