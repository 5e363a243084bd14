"""The relay outside the sandbox: a send is passed on to a real Cloud API, from the
number the ``whatsapp_*`` settings name (the sign-in code sender's number too), and
Meta's answer gives the message its id."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from grouplink.domain.errors import Undeliverable
from grouplink.domain.messages import Outgoing
from grouplink.services.code_senders.whatsapp import graph_error
from grouplink.settings import Settings
from grouplink.webhooks.http_client import Client

ANSWER_BYTES = 16 * 1024  # Meta's answer is a few hundred bytes


@dataclass(frozen=True, slots=True)
class Relay:
    base_url: str
    api_version: str
    phone_number_id: str
    token: str = field(repr=False)
    timeout_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Relay | None:
        if not settings.messages_relay:
            return None
        return cls(
            settings.whatsapp_base_url,
            settings.whatsapp_api_version,
            settings.whatsapp_phone_number_id,
            settings.whatsapp_token.get_secret_value(),
            settings.code_sender_timeout_seconds,
        )

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.api_version}/{self.phone_number_id}/messages"

    async def send(self, wa_id: str, message: Outgoing) -> str:
        """Meta's id for the message sent to ``wa_id``; :class:`Undeliverable` saying
        why if the Cloud API could not be reached or refused it."""
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": wa_id,
            "type": message.type,
            message.type: message.content,
        }
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        # The URL is the operator's own setting: private addresses are allowed.
        async with Client(1, allow_private=True, head_bytes=ANSWER_BYTES) as client:
            answer = await client.request(
                "POST",
                self.url,
                timeout_s=self.timeout_s,
                body=json.dumps(body).encode(),
                headers=headers,
            )
        if answer.status is None:
            raise Undeliverable(f"The Cloud API could not be reached: {answer.error}")
        if not 200 <= answer.status < 300:
            said = graph_error(answer.head or "")
            raise Undeliverable(f"The Cloud API refused the message (HTTP {answer.status}): {said}")
        try:
            message_id = json.loads(answer.head or "")["messages"][0]["id"]
        except (ValueError, KeyError, IndexError, TypeError):
            message_id = None
        if not isinstance(message_id, str) or not message_id:
            raise Undeliverable("The Cloud API's answer names no message id")
        return message_id
