"""A code sender for tests: appends ``wa_id code`` lines to $GROUPLINK_TEST_CODE_FILE.

The server loads it by name (``GROUPLINK_CODE_SENDER=tests.web.file_sender:make``),
as a deployment would load one that sends text messages.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path


class FileSender:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, wa_id: str, code: str, expires_in_seconds: int) -> None:
        await asyncio.to_thread(self._append, f"{wa_id} {code} {expires_in_seconds}\n")

    def _append(self, line: str) -> None:
        with self.path.open("a") as out:
            out.write(line)


def make() -> FileSender:
    return FileSender(Path(os.environ["GROUPLINK_TEST_CODE_FILE"]))


def last_code(path: Path, wa_id: str) -> str:
    lines = [line.split() for line in path.read_text().splitlines()]
    return [code for number, code, _ttl in lines if number == wa_id][-1]
