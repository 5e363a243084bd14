"""Helpers of the code sender tests: read a code out of what a provider received,
and the receiver's signature check exactly as docs/code-senders.md prints it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.receiver import Delivery, Receiver

DOC = Path(__file__).resolve().parent.parent / "docs" / "code-senders.md"
Verify = Callable[..., bool]


def documented_verify() -> Verify:
    """``verify`` from the Python block under "Verifying the signature" in the docs,
    run as a receiver would paste it."""
    section = DOC.read_text().split("### Verifying the signature", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "docs/code-senders.md lost its verification snippet"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(DOC), "exec"), namespace)
    verify: Verify = namespace["verify"]
    return verify


def body_of(delivery: Delivery) -> dict[str, Any]:
    found = json.loads(delivery.body)  # not Delivery.json: that checks Meta's webhook schema
    assert isinstance(found, dict)
    return found


def whatsapp_code(delivery: Delivery) -> str:
    """The code of a WhatsApp template message, as the person's phone would show it."""
    [body, button] = body_of(delivery)["template"]["components"]
    [text] = body["parameters"]
    [copied] = button["parameters"]
    assert text["text"] == copied["text"]  # the copy-code button copies the same code
    return str(text["text"])


def webhook_code(delivery: Delivery) -> str:
    return str(body_of(delivery)["code"])


def sent_to(receiver: Receiver, to: str, code_of: Callable[[Delivery], str]) -> list[str]:
    """The codes the receiver got for ``to`` (a wa_id or an E.164 number), in order."""
    return [code_of(d) for d in receiver.received() if body_of(d)["to"] == to]
