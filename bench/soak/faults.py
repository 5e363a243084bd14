"""The faults: at random moments, SIGKILL one app worker and one webhook worker.

Kills are spread over the run: ``kills`` of each kind, each at a random moment of
its own slice of the traffic's time, so a short run still gets every one of them
and a long one gets them throughout.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

from bench.soak.processes import AppServer, WebhookWorkers


@dataclass
class Kills:
    app: int = 0
    app_restarted: int = 0  # back to four workers (uvicorn's supervisor)
    webhook: int = 0
    webhook_restarted: int = 0  # a new worker running in its place


async def inject(
    app: AppServer,
    workers: WebhookWorkers,
    kills: Kills,
    per_kind: int,
    started: float,
    seconds: float,
    rng: random.Random,
) -> None:
    """Run both kinds of kill side by side until each has had ``per_kind`` turns."""
    await asyncio.gather(
        _kill_app_workers(app, kills, per_kind, started, seconds, random.Random(rng.random())),
        _kill_webhook_workers(
            workers, kills, per_kind, started, seconds, random.Random(rng.random())
        ),
    )


def _moments(per_kind: int, started: float, seconds: float, rng: random.Random) -> list[float]:
    """A random moment in each of ``per_kind`` equal slices of the run (not its last 10%)."""
    span = seconds * 0.9 / per_kind
    return [started + span * (n + rng.uniform(0.1, 0.9)) for n in range(per_kind)]


async def _until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def _kill_app_workers(
    app: AppServer, kills: Kills, per_kind: int, started: float, seconds: float, rng: random.Random
) -> None:
    for moment in _moments(per_kind, started, seconds, rng):
        await _until(moment)
        kills.app += 1
        if await asyncio.to_thread(app.kill_one, rng):
            kills.app_restarted += 1


async def _kill_webhook_workers(
    workers: WebhookWorkers,
    kills: Kills,
    per_kind: int,
    started: float,
    seconds: float,
    rng: random.Random,
) -> None:
    for moment in _moments(per_kind, started, seconds, rng):
        await _until(moment)
        kills.webhook += 1
        if await asyncio.to_thread(workers.kill_one, rng):
            kills.webhook_restarted += 1
