"""How sign-in codes reach people: a small protocol and the default, the server log.

``GROUPLINK_CODE_SENDER`` picks one: ``log`` (the default) or
``package.module:factory``, a callable with no arguments that returns a
:class:`CodeSender` (for example one that sends an SMS or a WhatsApp message).
"""

from __future__ import annotations

import importlib
from typing import Protocol, runtime_checkable

import structlog

log = structlog.get_logger("grouplink.signin")


@runtime_checkable
class CodeSender(Protocol):
    async def send(self, wa_id: str, code: str, expires_in_seconds: int) -> None:
        """Deliver ``code`` to the phone number ``wa_id``; raise if it cannot."""


class LogSender:
    """Writes the code to the server log: for local sandboxes and development."""

    async def send(self, wa_id: str, code: str, expires_in_seconds: int) -> None:
        log.info("sign-in code", wa_id=wa_id, code=code, expires_in_seconds=expires_in_seconds)


def load_sender(spec: str) -> CodeSender:
    if spec == "log":
        return LogSender()
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"code_sender '{spec}' is neither 'log' nor 'package.module:factory'")
    sender = getattr(importlib.import_module(module_name), attr)()
    if not isinstance(sender, CodeSender):
        raise ValueError(f"code_sender '{spec}' did not make an object with async send()")
    return sender
