"""The dispatcher: turns committed outbox events into signed POSTs, at least once.

It runs inside the server (one per worker process) or as ``grouplink worker``.
Each round it fans new events out into deliveries, claims due deliveries under
a lease, sends them concurrently, and records every attempt. A failed delivery
is retried with exponential backoff and jitter until its retry window closes,
then it is dead-lettered; ``redeliver`` brings it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
from dataclasses import dataclass

import structlog

from grouplink.domain import webhooks
from grouplink.domain.events import envelope
from grouplink.domain.ids import base62
from grouplink.metrics.deliveries import count_outcomes
from grouplink.services.background import Rounds
from grouplink.services.core import Core
from grouplink.store import deliveries
from grouplink.store.deliveries import DEAD, DELIVERED, PENDING, Claimed, Outcome
from grouplink.webhooks.http_client import Client

log = structlog.get_logger("grouplink.webhooks")


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    timeout_s: float = 10.0
    retry_window_ms: int = 3 * 24 * 3600 * 1000
    backoff_base_ms: int = 1_000
    backoff_cap_ms: int = 3_600_000
    lease_ms: int = 60_000
    batch: int = 200
    concurrency: int = 64
    idle_poll_s: float = 0.2
    # Rounds in flight at once per worker, so database work overlaps with sending.
    lanes: int = 4
    allow_private: bool = True  # callbacks may reach loopback and private networks


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{base62(6)}"


class Dispatcher:
    def __init__(self, core: Core, settings: DispatchSettings, name: str | None = None) -> None:
        self.core = core
        self.settings = settings
        self.name = name or worker_name()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self.rounds = Rounds(log, "webhook delivery", settings.idle_poll_s)  # one for every lane

    def stop(self) -> None:
        """Finish what is in flight, give back what is not, then return from run()."""
        self._stopping.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        client = Client(self.settings.concurrency, allow_private=self.settings.allow_private)
        async with client:
            await asyncio.gather(*(self._lane(client) for _ in range(self.settings.lanes)))

    async def _lane(self, client: Client) -> None:
        while not self._stopping.is_set():
            try:
                busy = await self.run_once(client)
                self.rounds.worked()
            except Exception as error:
                # Claimed deliveries whose outcome was not recorded go back to the
                # queue when their lease ends: sent again, at least once.
                self.rounds.failed(error)
                busy = False
            if not busy:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.rounds.wait_s)

    async def run_once(self, client: Client) -> bool:
        """One round; True if there was work (so the next round starts at once)."""
        now = self.core.clock()
        # Idle rounds only read: the write lock (all of it, on SQLite) is taken for work.
        async with self.core.db.read() as conn:
            if not await deliveries.work_waiting(conn, now):
                return False
        async with self.core.db.write() as conn:
            fanned = await deliveries.fan_out(conn, now, self.settings.batch * 4)
        async with self.core.db.write() as conn:
            claimed = await deliveries.claim(
                conn, self.name, now, self.settings.lease_ms, self.settings.batch
            )
        if not claimed:
            return fanned > 0
        outcomes = await self._send_all(client, claimed)
        steps = [self._next_step(c, o) for c, o in outcomes]
        async with self.core.db.write() as conn:
            await deliveries.record(conn, self.name, steps)
            sent = {o.delivery_pk for _, o in outcomes}
            unsent = [c.pk for c in claimed if c.pk not in sent]
            await deliveries.release(conn, self.name, unsent)
        count_outcomes(steps)  # once recorded
        return True

    async def _send_all(
        self, client: Client, claimed: list[Claimed]
    ) -> list[tuple[Claimed, Outcome]]:
        tasks = [asyncio.create_task(self._send(client, c)) for c in claimed]
        done: list[tuple[Claimed, Outcome]] = []
        for delivery, task in zip(claimed, tasks, strict=True):
            try:
                done.append((delivery, await task))
            except asyncio.CancelledError:
                task.cancel()
        return done

    async def _send(self, client: Client, delivery: Claimed) -> Outcome:
        body = webhooks.body_bytes(
            envelope(
                delivery.business_id,
                delivery.phone_number_id,
                delivery.display_phone_number,
                delivery.field,
                [json.loads(delivery.payload)],
            )
        )
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": webhooks.signature_256(delivery.app_secret, body),
            "X-Hub-Signature": webhooks.signature_sha1(delivery.app_secret, body),
            "X-Grouplink-Event-Id": delivery.event_id,
            "X-Grouplink-Attempt": str(delivery.attempts + 1),
        }
        attempted_at = self.core.clock()
        answer = await client.request(
            "POST",
            delivery.callback_url,
            body=body,
            headers=headers,
            timeout_s=self.settings.timeout_s,
        )
        return Outcome(
            delivery.pk,
            attempted_at,
            answer.status,
            answer.latency_ms,
            answer.error,
            answer.head,
            answer.refused,
        )

    def _next_step(self, delivery: Claimed, outcome: Outcome) -> tuple[Outcome, str, int | None]:
        if outcome.ok:
            return outcome, DELIVERED, None
        delay = webhooks.retry_delay_ms(
            delivery.attempts,
            base_ms=self.settings.backoff_base_ms,
            cap_ms=self.settings.backoff_cap_ms,
        )
        next_at = outcome.attempted_at + delay
        # A refused address stays refused: no point retrying it for days.
        if outcome.refused or next_at - delivery.window_start > self.settings.retry_window_ms:
            log.warning(
                "webhook dead-lettered",
                event_id=delivery.event_id,
                attempts=delivery.attempts + 1,
                url=delivery.callback_url,
            )
            return outcome, DEAD, None
        return outcome, PENDING, next_at
