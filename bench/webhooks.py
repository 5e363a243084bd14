"""How fast do workers drain a webhook backlog to a local receiver?

    python -m bench.webhooks                      # 100,000 events, 1, 2 and 4 workers
    python -m bench.webhooks --events 2000 --workers 1,2 --ceiling-seconds 1   # a smoke run

It makes a fresh PostgreSQL database (GROUPLINK_BENCH_POSTGRES_URL, default the
local server), starts a minimal receiver, measures the receiver's own ceiling
with the same HTTP client stack from as many processes as there are workers,
then for each worker count queues the backlog in the outbox and times
`grouplink worker` processes draining it. The table prints events per second
and the ratio to the ceiling measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from grouplink.domain import events, ids
from grouplink.services import businesses, subscriptions
from grouplink.services.core import Actor, Core
from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.migrate import migrate
from grouplink.store.tables import outbox, webhook_attempts, webhook_deliveries

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("GROUPLINK_BENCH_DATABASE", "grouplink_bench_webhooks")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return str(answer.read().decode())


async def fresh_database(admin_url: str) -> str:
    admin = sa.engine.make_url(normalize_database_url(admin_url))
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        await conn.execute(sa.text(f'CREATE DATABASE "{DB_NAME}"'))
    await engine.dispose()
    return admin.set(database=DB_NAME).render_as_string(hide_password=False)


async def prepare(url: str, receiver_url: str) -> tuple[Core, str, str]:
    core = Core(db=Database(url, pool_size=4), link_base="http://bench.invalid")
    await migrate(core.db)
    await core.load_secret()
    made = await businesses.create_business(core, "bench")
    await subscriptions.subscribe(
        core,
        made.business_id,
        receiver_url,
        "bench",
        ["group_lifecycle_update"],
        Actor("bench", "cli"),
        handshake_timeout_s=5,
        allow_private=True,  # the receiver is on loopback
    )
    return core, made.business_id, made.phone_number_id


async def queue(core: Core, business_id: str, phone_number_id: str, count: int) -> None:
    """The backlog, written straight to the outbox in batches (as services would)."""
    now = core.clock()
    async with core.db.write() as conn:
        await conn.execute(sa.delete(webhook_attempts))
        await conn.execute(sa.delete(webhook_deliveries))
        await conn.execute(sa.delete(outbox))
    for start in range(0, count, 5000):
        rows = []
        for n in range(start, min(count, start + 5000)):
            event = events.group_create(
                ids.group_id(),
                now,
                ids.request_id(),
                f"Group {n}",
                "http://bench.invalid/x",
                "auto_approve",
            )
            rows.append(
                {
                    "id": ids.event_id(),
                    "business_id": business_id,
                    "phone_number_id": phone_number_id,
                    "field": event.field,
                    "payload": json.dumps(event.body, separators=(",", ":")),
                    "created_at": now,
                }
            )
        async with core.db.write() as conn:
            await conn.execute(sa.insert(outbox), rows)


def ceiling(receiver: str, processes: int, seconds: float) -> float:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.blast", receiver, str(seconds), "64"],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        for _ in range(processes)
    ]
    # Each process reports its count and the seconds it really loaded for: on a busy
    # machine that is longer than the window asked for, and dividing by the window
    # would overstate the ceiling.
    answers = [p.communicate()[0].split() for p in procs]
    total = sum(int(count) for count, _ in answers)
    elapsed = max(float(took) for _, took in answers)
    return total / elapsed if elapsed > 0 else 0.0


def drain(url: str, receiver_base: str, workers: int, count: int, timeout: float) -> float:
    get(receiver_base + "/reset")
    env = {**os.environ, "GROUPLINK_DATABASE_URL": url, "GROUPLINK_LOG_LEVEL": "warning"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "grouplink", "worker", "--name", f"bench{n}"],
            env=env,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        for n in range(workers)
    ]
    try:
        started = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            posts, distinct = (int(x) for x in get(receiver_base + "/count").split())
            if started is None and posts > 0:
                started = time.monotonic()
            if distinct >= count:
                assert started is not None
                return count / max(time.monotonic() - started, 1e-6)
            time.sleep(0.02)
        raise SystemExit(f"{workers} workers did not drain {count} events in {timeout:.0f} s")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--ceiling-seconds", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    admin = os.environ.get(
        "GROUPLINK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-m", "bench.receiver", str(port)], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                get(base + "/count")
                break
            except OSError:
                time.sleep(0.05)
        url = asyncio.run(fresh_database(admin))
        rows = []
        for workers in counts:
            limit = ceiling(base + "/webhook", workers, args.ceiling_seconds)

            async def setup_and_queue() -> None:
                core, business_id, number_id = await prepare(url, base + "/webhook")
                await queue(core, business_id, number_id, args.events)
                await core.db.dispose()

            asyncio.run(setup_and_queue())
            rate = drain(url, base, workers, args.events, args.timeout)
            rows.append((workers, rate, limit))
        print(f"\nWebhook delivery, PostgreSQL, {args.events:,} events, {os.cpu_count()} cores")
        print(f"{'workers':>8} {'events/s':>10} {'ceiling/s':>10} {'of ceiling':>11}")
        for workers, rate, limit in rows:
            # A window too short for a busy machine may see no request at all: say so.
            share = f"{rate / limit:.0%}" if limit > 0 else "n/a"
            print(f"{workers:>8} {rate:>10,.0f} {limit:>10,.0f} {share:>11}")
    finally:
        receiver.terminate()
        receiver.wait(10)


if __name__ == "__main__":
    main()
