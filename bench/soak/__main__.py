"""Does grouplink keep its promises under faults? A soak on PostgreSQL.

    python -m bench.soak                      # 10 minutes
    python -m bench.soak --duration 45 --seed 1

It makes a fresh database (--database-url; dropped again after a clean run, kept
after a violation), starts `grouplink serve --workers 4` and two `grouplink worker`
processes delivering webhooks to a receiver in this process that fails, stalls and
dedupes by event id, and drives mixed traffic from several async clients that
retry with Idempotency-Key. At random moments it SIGKILLs one app worker (uvicorn
restarts it) and one webhook worker (started again in its place). Then it stops
the traffic, waits until every event is delivered, and checks the invariants in
the database and at the receiver. It prints its figures and each invariant with
yes or NO, and exits 1 if any invariant was violated or any fault did not happen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

import asyncpg

from bench.databases import plain_postgres_url
from bench.serving.server import ROOT
from bench.soak import setup
from bench.soak.checks import Check, run_checks
from bench.soak.client import Client, Stats
from bench.soak.faults import Kills, inject
from bench.soak.processes import AppServer, WebhookWorkers, soak_settings
from bench.soak.receiver import Behaviour, DedupingReceiver
from bench.soak.report import Deliveries, figures, render
from bench.soak.traffic import Traffic
from bench.soak.world import World


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--duration", type=float, default=600, help="seconds of traffic")
    add("--seed", type=int, default=None, help="what the clients and faults pick (random)")
    add("--database-url", default=setup.DEFAULT_URL, help="made afresh; its server must allow it")
    add("--clients", type=int, default=8, help="concurrent async clients")
    add("--kills", type=int, default=None, help="of each kind (default: one a minute, 2 at least)")
    add("--max-participants", type=int, default=6, help="GROUPLINK_MAX_PARTICIPANTS")
    add("--cut-rate", type=float, default=0.03, help="writes whose first try is cut off")
    add("--drain-timeout", type=float, default=180, help="seconds to wait for every delivery")
    add("--workdir", type=Path, default=ROOT / "bench" / ".data" / "soak", help="process logs")
    add("--json", type=Path, default=None, help="write every figure here")
    add("--keep", action="store_true", help="keep the database after a clean run too")
    return parser.parse_args(argv)


async def drain(url: str, seconds: float) -> tuple[bool, float]:
    """Wait until no event waits to be fanned out and no delivery is pending."""
    started = time.monotonic()
    conn = await asyncpg.connect(plain_postgres_url(url))
    try:
        async with asyncio.timeout(seconds):
            while True:  # the workers are other processes: the database is all we see
                left = await conn.fetchval(
                    "SELECT (SELECT count(*) FROM outbox WHERE fanned_out_at IS NULL)"
                    " + (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending')"
                )
                if not left:
                    break
                await asyncio.sleep(0.5)
        return True, time.monotonic() - started
    except TimeoutError:
        return False, time.monotonic() - started
    finally:
        await conn.close()


async def delivery_figures(url: str, drained: bool, seconds: float) -> Deliveries:
    conn = await asyncpg.connect(plain_postgres_url(url))
    try:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM outbox) AS events, count(*) AS attempts,"
            " count(*) FILTER (WHERE status_code BETWEEN 200 AND 299) AS ok,"
            " count(*) FILTER (WHERE status_code IS NULL) AS silent FROM webhook_attempts"
        )
    finally:
        await conn.close()
    assert row is not None
    other = row["attempts"] - row["ok"] - row["silent"]
    return Deliveries(
        row["events"], row["attempts"], row["ok"], other, row["silent"], drained, seconds
    )


def faults_check(kills: Kills, planned: int, stats: Stats, receiver: DedupingReceiver) -> Check:
    tally = receiver.tally
    happened = {
        "app worker kills": (kills.app, planned),
        "app workers restarted": (kills.app_restarted, planned),
        "webhook worker kills": (kills.webhook, planned),
        "webhook workers restarted": (kills.webhook_restarted, planned),
        "cut connections": (stats.cuts, 1),
        "receiver 500s": (tally.failed_on_purpose, 1),
        "receiver stalls": (tally.slow_on_purpose, 1),
    }
    short = [
        f"{name} {done} of {wanted}" for name, (done, wanted) in happened.items() if done < wanted
    ]
    detail = ", ".join(f"{name} {done}" for name, (done, _) in happened.items())
    return Check(
        "every fault happened",
        not short,
        detail + ("; short: " + ", ".join(short) if short else ""),
    )


async def soak(args: argparse.Namespace) -> int:
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    kills_planned = args.kills or max(2, round(args.duration / 60))
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"soak: seed {seed}, {args.duration:g} s, {kills_planned} kills of each kind", flush=True)
    await setup.fresh_database(args.database_url)
    receiver = DedupingReceiver("", Behaviour(), rng.randrange(1 << 30))
    await receiver.start()
    tenant = await setup.make_tenant(args.database_url, receiver.url)
    receiver.app_secret = tenant.app_secret
    settings = soak_settings(args.database_url, args.max_participants)
    app = AppServer(settings, args.workdir)
    workers = WebhookWorkers(settings, args.workdir)
    stats, world, kills = Stats(), World(), Kills()
    client = Client(app.base_url, tenant.token, stats, random.Random(rng.random()), args.cut_rate)
    try:
        await asyncio.to_thread(app.wait_ready)
        started = time.monotonic()
        until = started + args.duration
        actors = [
            Traffic(client, world, tenant.phone_number_id, random.Random(rng.random()),
                    args.max_participants).run(until)
            for _ in range(args.clients)
        ]  # fmt: skip
        await asyncio.gather(
            *actors, inject(app, workers, kills, kills_planned, started, args.duration, rng)
        )
        seconds = time.monotonic() - started
        await asyncio.to_thread(app.stop)
        drained, drain_s = await drain(args.database_url, args.drain_timeout)
    finally:
        await client.close()
        await asyncio.to_thread(app.stop)
        await asyncio.to_thread(workers.stop)
        await receiver.stop()
    checks = await run_checks(args.database_url, world, receiver, args.max_participants)
    checks.append(faults_check(kills, kills_planned, stats, receiver))
    deliveries = await delivery_figures(args.database_url, drained, drain_s)
    found = figures(seconds, stats, kills, receiver.tally, deliveries, checks)
    found["seed"] = seed
    print(render(found), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(found, indent=2))
    ok = all(check.ok for check in checks)
    if ok and not args.keep:
        await setup.drop_database(args.database_url)
    elif not ok:
        print(f"kept the database for a look: {args.database_url}", file=sys.stderr)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> None:
    raise SystemExit(asyncio.run(soak(parse_args(argv))))


if __name__ == "__main__":
    main()
