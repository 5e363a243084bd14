"""The server rotates primary links on their groups' schedule, whether or not anyone calls.

Every server process (and ``grouplink worker``) runs a :class:`Rotator`. Each round
finds the groups that are due and rotates each in a transaction of its own, under
the group's lock, after reading again that it is still due: so however many
processes look at once, a group rotates once per due time.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from grouplink.services import links
from grouplink.services.background import Rounds
from grouplink.services.core import Core
from grouplink.store import links as stored_links
from grouplink.store import queries

log = structlog.get_logger("grouplink.rotation")

BATCH = 100


async def rotate_due(core: Core) -> int:
    """Rotate every group due now (up to ``BATCH``): how many rotated."""
    now = core.clock()
    async with core.db.read() as conn:
        due = await stored_links.rotations_due(conn, now, BATCH)
    rotated = 0
    for business_id, group_id in due:
        async with core.db.write() as conn:
            group = await queries.find_group(conn, business_id, group_id, lock=True)
            if group is None or group.next_rotation_at is None or group.next_rotation_at > now:
                continue  # another process rotated it first, or the setting changed
            if await links.rotate_link(conn, group, now) is not None:
                rotated += 1
    return rotated


class Rotator:
    def __init__(self, core: Core, every_s: float = 1.0) -> None:
        self.core = core
        self.every_s = every_s
        self.rounds = Rounds(log, "rotation", every_s)
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                while await rotate_due(self.core) >= BATCH:
                    pass  # a backlog (the server was down): keep going
                self.rounds.worked()
            except Exception as error:
                self.rounds.failed(error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.rounds.wait_s)
