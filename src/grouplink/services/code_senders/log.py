"""The default sender: the server log, for local sandboxes and development."""

from __future__ import annotations

import structlog

log = structlog.get_logger("grouplink.signin")


class LogSender:
    """Writes the code to the server log (at ``info``), and nowhere else."""

    async def send(self, wa_id: str, code: str, expires_in_seconds: int) -> None:
        log.info("sign-in code", wa_id=wa_id, code=code, expires_in_seconds=expires_in_seconds)
