"""The one HTTP call the senders make: a JSON POST that must answer 2xx in time.

It reuses the webhook dispatcher's client (:mod:`grouplink.webhooks.http_client`).
Each send opens its own connection: codes go out a few times a minute at most,
and a pool would have to be closed with the event loop that made it.
"""

from __future__ import annotations

from collections.abc import Callable

from grouplink.services.code_senders.protocol import SendFailed
from grouplink.webhooks.http_client import Client


def _as_is(head: str) -> str:
    return head


async def post_json(
    provider: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
    *,
    describe: Callable[[str], str] = _as_is,
) -> None:
    """POST ``body`` to ``url``; raise :class:`SendFailed` unless it answers 2xx within
    ``timeout_s``. ``describe`` turns the first bytes of a refusal into words for the log."""
    # The URL is the operator's own setting, not a business's callback: private
    # addresses (a relay on the same network) are allowed.
    async with Client(1, allow_private=True) as client:
        answer = await client.request(
            "POST",
            url,
            timeout_s=timeout_s,
            body=body,
            headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        )
    if answer.status is None:
        raise SendFailed(f"{provider}: {answer.error}")
    if not 200 <= answer.status < 300:
        said = describe(answer.head or "")
        raise SendFailed(f"{provider} answered HTTP {answer.status}: {said}".rstrip(": "))
