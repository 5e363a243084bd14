"""How much memory does one worker hold, and does it grow with the data?

    python -m bench.memory                         # SQLite, 1,000 and 100,000 groups
    python -m bench.memory --scales 1000,10000 --rounds 2 --reuse --keep

For each size it loads an SQLite database (bench/load.py, reused with --reuse),
picks target groups (bench/serving/targets.py: the same number at every size,
as bench.serving does, or with --wide as many as each size has room for, up to
--targets) and starts a real ``grouplink serve`` with one worker
(bench/serving/server.py). The servers of all sizes run side by side. Then, on
each server in turn, it times the first ``GET /pictures/{code}`` after the
start (the default picture: the groups have none), and sends rounds of a mix of
requests over the targets: the link page, the preview picture, the group's
info with its participants, and a join through the link with a new number.
After the start and after each round it reads the worker's resident memory
(``VmRSS`` in ``/proc/PID/status``; with one worker uvicorn serves from the
process it was started in, so it is that process), and at the end its peak
(``VmHWM``). The table compares the sizes, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.databases import BenchDatabase
from bench.dataset import Shape
from bench.load import load
from bench.serving import earlier, targets
from bench.serving.block import wa_prefix
from bench.serving.calls import FIELDS, VERSION
from bench.serving.server import Server

LIMIT_MB = 150  # the bound on a worker's memory
CONCURRENCY = 16  # requests in flight on one server


@dataclass(slots=True)
class Size:
    groups: int
    database: BenchDatabase
    picked: targets.Targets
    server: Server
    first_picture_ms: tuple[float, float] = (0.0, 0.0)  # the first, the same again
    rss_mb: list[float] = field(default_factory=list)  # after the start, then each round
    peak_mb: float = 0.0
    anon_mb: float = 0.0  # of VmRSS at the end: the process's own memory (RssAnon)
    file_mb: float = 0.0  # and mapped files: libraries, SQLite's shared memory (RssFile)
    answers: Counter[int] = field(default_factory=Counter)  # HTTP status: count

    @property
    def pid(self) -> int:
        return self.server.worker_pids()[0]


def status_mib(pid: int, key: str) -> float:
    """A ``/proc/PID/status`` figure given in kB (VmRSS, VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} for process {pid}")


def prepare(
    workdir: Path, groups: int, spread: targets.Spread, reuse: bool, env: dict[str, str]
) -> Size:
    print(f"\nSQLite, {groups:,} groups", flush=True)
    database = BenchDatabase.for_groups("sqlite", groups, workdir)
    shape = Shape(groups)
    loaded = asyncio.run(load(database, shape, reuse=reuse))
    picked = asyncio.run(targets.pick(database, shape, loaded.business_id, spread, 0, 0))
    folder = workdir / f"memory-{groups}"
    folder.mkdir(parents=True, exist_ok=True)
    return Size(groups, database, picked, Server(database.url, folder, workers=1, env=env))


def first_picture_ms(size: Size) -> tuple[float, float]:
    """A fresh worker's first picture and the same picture again, in milliseconds.

    One link page of another group goes first: it opens a database connection and
    runs the code every request shares, so what the first picture costs beyond the
    second is what the picture's own first use costs (drawing it, before it shipped
    drawn)."""
    base, reads = size.server.base_url, size.picked.reads
    httpx.get(f"{base}/{reads[1].code}", timeout=30).raise_for_status()
    times = []
    for _ in range(2):
        started = time.perf_counter()
        answer = httpx.get(f"{base}/pictures/{reads[0].code}", timeout=30)
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200 or answer.headers["content-type"] != "image/png":
            raise RuntimeError(f"the picture answered {answer.status_code}")
    return times[0], times[1]


def first_picture_at(
    revision: str, workdir: Path, groups: int, reuse: bool, keep: bool
) -> tuple[float, float]:
    """:func:`first_picture_ms` on a fresh worker of an earlier commit (``--against``), on a
    database its own loader made (see bench/serving/earlier.py)."""
    then = earlier.check_out(revision, workdir)
    print(f"\nSQLite, {groups:,} groups, at {then.short}", flush=True)
    database = earlier.load(then, "sqlite", groups, workdir / f"data-at-{then.short}", reuse)
    shape = Shape(groups)
    picked = asyncio.run(targets.pick_reads(database, shape, targets.Spread.fitting([shape], 2)))
    folder = workdir / f"memory-{groups}-at-{then.short}"
    folder.mkdir(parents=True, exist_ok=True)
    server = Server(database.url, folder, 1, then.path, root=then.root)
    try:
        server.wait_ready()
        return first_picture_ms(Size(groups, database, picked, server))
    finally:
        server.stop()
        if not keep:
            asyncio.run(database.drop())


def requests_of_round(
    picked: targets.Targets, numbers: itertools.count[int]
) -> list[tuple[str, str, dict[str, str] | None]]:
    """(method, path, JSON body) of one round: each read target's page, picture and
    info, and one join into each join target with a number no one used."""
    sent: list[tuple[str, str, dict[str, str] | None]] = []
    for group in picked.reads:
        sent.append(("GET", f"/{group.code}", None))
        sent.append(("GET", f"/pictures/{group.code}", None))
        sent.append(("GET", f"/{VERSION}/{group.id}?fields={FIELDS}", None))
    prefix = wa_prefix()
    for group in picked.joins:
        body = {"wa_id": f"{prefix}{next(numbers):08d}"}
        sent.append(("POST", f"/sandbox/invites/{group.code}/join", body))
    return sent


async def send_round(size: Size, numbers: itertools.count[int]) -> None:
    queue = requests_of_round(size.picked, numbers)
    headers = {"Authorization": f"Bearer {size.picked.token}"}
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=size.server.base_url, headers=headers, limits=limits, timeout=30
    ) as client:
        pending = iter(queue)

        async def sender() -> None:
            for method, path, body in pending:
                answer = await client.request(method, path, json=body)
                size.answers[answer.status_code] += 1

        await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))


def run(sizes: list[Size], rounds: int) -> None:
    for size in sizes:
        size.server.wait_ready()
    for size in sizes:  # before any other request than /healthz
        size.first_picture_ms = first_picture_ms(size)
        size.rss_mb.append(status_mib(size.pid, "VmRSS"))
    numbers = itertools.count()
    for done in range(1, rounds + 1):
        # Each round on each size in turn, the order reversed every round.
        for size in sizes if done % 2 else reversed(sizes):
            started = time.monotonic()
            asyncio.run(send_round(size, numbers))
            size.rss_mb.append(status_mib(size.pid, "VmRSS"))
            print(
                f"  round {done} on {size.groups:,} groups: {time.monotonic() - started:.1f} s, "
                f"VmRSS {size.rss_mb[-1]:.0f} MiB",
                flush=True,
            )
    for size in sizes:
        size.peak_mb = status_mib(size.pid, "VmHWM")
        size.anon_mb = status_mib(size.pid, "RssAnon")
        size.file_mb = status_mib(size.pid, "RssFile")


def report(sizes: list[Size]) -> list[str]:
    rounds = len(sizes[0].rss_mb) - 1
    lines = [
        "",
        f"one worker, SQLite; VmRSS in MiB after the start and after each of {rounds} rounds",
        f"{'groups':>10} {'targets':>8} {'picture ms: 1st, again':>23} {'start':>7} "
        + " ".join(f"{f'r{n}':>6}" for n in range(1, rounds + 1))
        + f" {'peak':>6} {'anon':>6} {'file':>6}  answers",
    ]
    for size in sizes:
        answers = ", ".join(f"{status}: {n:,}" for status, n in sorted(size.answers.items()))
        lines.append(
            f"{size.groups:>10,} {len(size.picked.reads):>8,} {_pair(size.first_picture_ms):>23} "
            + " ".join(f"{mb:>6.0f}" for mb in size.rss_mb)
            + f" {size.peak_mb:>6.0f} {size.anon_mb:>6.0f} {size.file_mb:>6.0f}  {answers}"
        )
    small, large = sizes[0], sizes[-1]
    if large is not small:
        change = large.peak_mb / small.peak_mb - 1
        lines.append(
            f"peak at {large.groups:,} against {small.groups:,} groups: {change:+.0%} "
            f"({large.peak_mb - small.peak_mb:+.1f} MiB)"
        )
    peak = max(size.peak_mb for size in sizes)
    lines.append(
        f"largest peak {peak:.0f} MiB: {'under' if peak < LIMIT_MB else 'OVER'} {LIMIT_MB} MB"
    )
    return lines


def _pair(ms: tuple[float, float]) -> str:
    return f"{ms[0]:.1f}, {ms[1]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scales", default="1000,100000", help="numbers of groups")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the mix per size")
    parser.add_argument("--targets", type=int, default=1000, help="groups the mix spreads over")
    parser.add_argument(
        "--wide", action="store_true", help="each size as many targets as it has room for"
    )
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="a server setting"
    )
    parser.add_argument(
        "--against", metavar="COMMIT", help="also time an earlier commit's first picture"
    )
    parser.add_argument("--workdir", type=Path, default=Path("bench/.data"))
    parser.add_argument("--reuse", action="store_true", help="keep finished loads of a size")
    parser.add_argument("--keep", action="store_true", help="leave the databases behind")
    args = parser.parse_args()
    env = dict(setting.split("=", 1) for setting in args.env)
    scales = sorted(int(s) for s in args.scales.split(","))
    sizes: list[Size] = []
    try:
        for groups in scales:
            shapes = [Shape(groups)] if args.wide else [Shape(n) for n in scales]
            spread = targets.Spread.fitting(shapes, args.targets)
            sizes.append(prepare(args.workdir, groups, spread, args.reuse, env))
        run(sizes, args.rounds)
    except BaseException:
        for size in sizes:
            print(size.server.log_tail())
        raise
    finally:
        for size in sizes:
            size.server.stop()
    if args.against:
        ms = first_picture_at(args.against, args.workdir, scales[0], args.reuse, args.keep)
        print(f"picture ms at {args.against}, {scales[0]:,} groups: 1st, again {_pair(ms)}")
    print("\n".join(report(sizes)))
    if not args.keep:
        for size in sizes:
            asyncio.run(size.database.drop())


if __name__ == "__main__":
    main()
