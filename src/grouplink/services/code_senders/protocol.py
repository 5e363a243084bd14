"""What every code sender does, and how it says that it could not."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class CodeSender(Protocol):
    async def send(self, wa_id: str, code: str, expires_in_seconds: int) -> None:
        """Deliver ``code`` to the phone number ``wa_id`` (E.164 digits, no ``+``);
        raise if it cannot."""


class SendFailed(Exception):
    """The provider did not take the code: no answer in time, no connection, or an
    answer other than 2xx. The message says which, for the server log."""
