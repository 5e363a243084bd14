"""Sign-in codes as a signed JSON POST to a URL of yours, for any SMS provider.

The body is ``{"to": "+15550100042", "code": "123456", "expires_in": 300,
"expires_at": 1764688200, "purpose": "signin"}``; the header
``X-Grouplink-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` signs
``"<t>." + body`` under the shared secret, as Stripe signs its webhooks, so a
receiver can tell the request came from this server and is fresh. How a
receiver checks it: docs/code-senders.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from grouplink.services.code_senders.transport import post_json

PROVIDER = "The code webhook"
SIGNATURE_HEADER = "X-Grouplink-Signature"
PURPOSE = "signin"


@dataclass(frozen=True, slots=True)
class WebhookSender:
    url: str
    secret: str = field(repr=False)
    timeout_s: float
    clock: Callable[[], float] = time.time

    async def send(self, wa_id: str, code: str, expires_in_seconds: int) -> None:
        now = int(self.clock())
        body = code_body(wa_id, code, expires_in_seconds, now)
        headers = {SIGNATURE_HEADER: signature(self.secret, now, body)}
        await post_json(PROVIDER, self.url, body, headers, self.timeout_s)


def code_body(wa_id: str, code: str, expires_in_seconds: int, now: int) -> bytes:
    """The JSON body: ``expires_at`` is Unix seconds by this server's clock."""
    message = {
        "to": f"+{wa_id}",
        "code": code,
        "expires_in": expires_in_seconds,
        "expires_at": now + expires_in_seconds,
        "purpose": PURPOSE,
    }
    return json.dumps(message, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header's value: ``t=<timestamp>,v1=<HMAC-SHA256 of "<timestamp>." + body>``."""
    signed = f"{timestamp}.".encode() + body
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"
