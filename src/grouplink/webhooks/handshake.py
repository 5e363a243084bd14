"""Meta's verification handshake: the receiver must echo ``hub.challenge``."""

from __future__ import annotations

import secrets

from grouplink.domain.errors import CallbackVerificationFailed
from grouplink.webhooks.http_client import Client


async def verify_callback(
    callback_url: str, verify_token: str, timeout_s: float, *, allow_private: bool
) -> None:
    challenge = str(secrets.randbelow(10**9) + 10**8)
    params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
    async with Client(1, allow_private=allow_private) as client:
        answer = await client.request("GET", callback_url, timeout_s=timeout_s, params=params)
    if answer.status is None:
        raise CallbackVerificationFailed(f"Couldn't connect to the callback URL: {answer.error}")
    if answer.status != 200:
        raise CallbackVerificationFailed(f"The callback URL answered HTTP {answer.status}")
    if (answer.head or "").strip() != challenge:
        raise CallbackVerificationFailed("The callback URL did not echo hub.challenge")
