"""Sign-in codes as a WhatsApp authentication template, through Meta's Cloud API.

The business makes an authentication template with a copy-code button in
WhatsApp Manager (or through the Message Templates API); Meta approves it. Each
code is then one ``POST {base_url}/{version}/{phone_number_id}/messages`` naming
that template, with the code as the body's one parameter and as the button's:
the person's phone shows "123456 is your verification code." and a "Copy code"
button. ``base_url`` may point at anything that speaks the same call (a relay,
another grouplink's sandbox).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from grouplink.services.code_senders.transport import post_json

PROVIDER = "WhatsApp"


@dataclass(frozen=True, slots=True)
class WhatsAppSender:
    base_url: str  # https://graph.facebook.com
    api_version: str  # v23.0
    phone_number_id: str
    token: str = field(repr=False)
    template: str
    language: str  # en_US: the template's language, as approved
    timeout_s: float

    @property
    def url(self) -> str:
        return f"{self.base_url.rstrip('/')}/{self.api_version}/{self.phone_number_id}/messages"

    async def send(self, wa_id: str, code: str, expires_in_seconds: int) -> None:
        body = json.dumps(template_message(wa_id, code, self.template, self.language))
        await post_json(
            PROVIDER,
            self.url,
            body.encode(),
            {"Authorization": f"Bearer {self.token}"},
            self.timeout_s,
            describe=graph_error,
        )


def template_message(wa_id: str, code: str, template: str, language: str) -> dict[str, Any]:
    """Meta's body for an authentication template with a copy-code button: the code
    fills the body's ``{{1}}`` and the button (a URL button, index 0, once approved)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_id,
        "type": "template",
        "template": {
            "name": template,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": code}]},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": code}],
                },
            ],
        },
    }


def graph_error(head: str) -> str:
    """The code and message of a Graph error envelope (``code 132001: (#132001) Template
    name does not exist in the translation``); the answer as it was if it holds none
    (or was cut short: only its first bytes are read)."""
    try:
        error = json.loads(head)["error"]
        return f"code {error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return head
