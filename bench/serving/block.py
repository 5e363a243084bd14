"""The benchmark's blocks (one backend at one size): loading each database, starting
its server, every call measured on each size in turn, stopping the servers."""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench.databases import BenchDatabase
from bench.dataset import Shape
from bench.load import load
from bench.serving import calls, earlier, prism, targets, wrk
from bench.serving.cpu import cpu_seconds, postgres_backends
from bench.serving.report import PRISM, Block, Result
from bench.serving.server import Server

_NONCES = itertools.count(int(time.time() * 10))


def wa_prefix() -> str:
    """19, then five digits no other wrk run of the hour uses (see calls.lua)."""
    return f"19{next(_NONCES) % 100_000:05d}"


@dataclass(frozen=True, slots=True)
class Options:
    workdir: Path
    duration: int = 10
    warmup: int = 2
    connections: int = 64
    threads: int = 2
    workers: int = 2
    targets: int = 1000  # groups each call spreads over (fewer if the smallest size lacks them)
    approval_rate: int = 3000  # join requests made ready per second of approving
    only: list[str] = field(default_factory=list)  # keys of the calls to make; empty: all
    server_env: dict[str, str] = field(default_factory=dict)
    reuse: bool = False
    keep: bool = False
    against: earlier.Earlier | None = None  # also serve this commit, beside each size

    def measured(self, runs: int = 1) -> wrk.Load:
        """One of ``runs`` measured runs that share ``duration`` between them."""
        return wrk.Load(self.connections, self.threads, self.duration / runs)

    @property
    def warming(self) -> wrk.Load:
        return wrk.Load(self.connections, self.threads, self.warmup)

    def chosen(self) -> list[calls.Call]:
        picked = [c for c in calls.CALLS if not self.only or c.key in self.only]
        return [calls.CEILING, *[c for c in picked if c is not calls.CEILING]]


@dataclass(slots=True)
class _Size:
    """One size of one backend, loaded, with its targets picked and its server."""

    block: Block
    database: BenchDatabase
    picked: targets.Targets
    server: Server
    db_pids: Callable[[], list[int]]

    def runs_done(self, call: calls.Call) -> int:
        return int(call.key in self.block.results)

    def takes(self, call: calls.Call) -> bool:
        """An earlier commit gets no token (see bench/serving/earlier.py)."""
        return not (self.block.version and call.authorized)


def measure_backend(
    options: Options, backend: str, sizes: list[int], peer: prism.Prism | None
) -> list[Block]:
    """Every size of one backend, each on its own server, all serving at once.

    With two sizes, each call runs four times, half of ``duration`` each: on the
    smaller, the larger, the larger, the smaller. Each size is measured once right
    after itself and once right after the other, and each figure is its two runs
    together, so the change with data size compares measurements seconds apart and
    in the same positions, not blocks minutes apart on a machine whose other load
    changes meanwhile. (With more sizes, the same there and back.)
    With ``options.against``, each size is also served by that earlier commit, right
    after this one's in the order, and measured on the calls it can take.
    """
    spread = targets.Spread.fitting([Shape(groups) for groups in sizes], options.targets)
    servers = len(sizes) * (2 if options.against else 1)
    runs = 2 if servers > 1 else 1
    prepared: list[_Size] = []
    for groups in sizes:
        prepared.append(_prepare(options, backend, groups, spread, runs))
        if options.against:
            prepared.append(_prepare_earlier(options, options.against, backend, groups, spread))
    try:
        for size in prepared:
            size.server.wait_ready()
        for call in options.chosen():
            order = [*prepared, *reversed(prepared)] if runs == 2 else prepared
            for size in (size for size in order if size.takes(call)):
                _measure_call(options, size, call, run=size.runs_done(call), runs=runs)
        for size in prepared:
            size.block.memory_mb = size.server.peak_memory_mb()
    except BaseException:
        for size in prepared:
            print(size.server.log_tail(), file=sys.stderr)
        raise
    finally:
        for size in prepared:
            size.server.stop()
    for size in prepared:
        if peer is not None and not size.block.version:
            measure_prism(options, size.block, peer, calls.reset_lines(size.picked))
        if not options.keep:
            asyncio.run(size.database.drop())
    return [size.block for size in prepared]


def _prepare(
    options: Options, backend: str, groups: int, spread: targets.Spread, runs: int
) -> _Size:
    print(f"\n{backend}, {groups:,} groups", flush=True)
    database = BenchDatabase.for_groups(backend, groups, options.workdir)
    shape = Shape(groups)
    loaded = asyncio.run(load(database, shape, reuse=options.reuse))
    approvals = options.approval_rate if any(c.key == "approve" for c in options.chosen()) else 0
    picked = asyncio.run(
        targets.pick(
            database,
            shape,
            loaded.business_id,
            spread,
            approvals * options.duration,
            approvals * options.warmup * runs,
        )
    )
    workdir = options.workdir / f"{backend}-{groups}"  # each size its own call files
    workdir.mkdir(parents=True, exist_ok=True)
    env = {key: value for call in options.chosen() for key, value in call.server_env.items()}
    server = Server(database.url, workdir, options.workers, {**env, **options.server_env})
    block = Block(backend, groups, loaded.seconds)
    return _Size(block, database, picked, server, _database_pids(database))


def _prepare_earlier(
    options: Options, then: earlier.Earlier, backend: str, groups: int, spread: targets.Spread
) -> _Size:
    print(f"\n{backend}, {groups:,} groups, at {then.short}", flush=True)
    started = time.monotonic()
    data = options.workdir / f"data-at-{then.short}"
    database = earlier.load(then, backend, groups, data, options.reuse)
    seconds = time.monotonic() - started
    picked = asyncio.run(targets.pick_reads(database, Shape(groups), spread))
    workdir = options.workdir / f"{backend}-{groups}-at-{then.short}"
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**options.server_env, **then.path}
    server = Server(database.url, workdir, options.workers, env, root=then.root)
    block = Block(backend, groups, seconds, version=then.short)
    return _Size(block, database, picked, server, _database_pids(database))


def _database_pids(database: BenchDatabase) -> Callable[[], list[int]]:
    """The processes serving ``database`` (PostgreSQL's backends; SQLite runs in the app)."""
    if database.backend == "postgresql":
        return lambda: postgres_backends(database.name)
    return list


def _measure_call(options: Options, size: _Size, call: calls.Call, run: int, runs: int) -> None:
    """Run ``run`` of ``runs`` of ``call`` on ``size``, each ``duration / runs`` seconds."""
    workdir, server, picked = size.server.log_path.parent, size.server, size.picked

    def share(lines: list[str]) -> list[str]:
        return lines[run::runs] if call.once else lines

    token = picked.token if call.authorized else "-"
    if options.warmup:
        lines = share((call.warmup_lines or call.lines)(picked))
        warm = calls.write(workdir / f"{call.key}.warmup.calls", lines)
        wrk.run(server.base_url, warm, options.warming, token, wa_prefix())
    path = calls.write(workdir / f"{call.key}.calls", share(call.lines(picked)))
    result = timed(
        partial(wrk.run, server.base_url, path, options.measured(runs), token, wa_prefix()),
        server.worker_pids,
        size.db_pids,
    )
    earlier = size.block.results.get(call.key)
    size.block.results[call.key] = result if earlier is None else earlier.joined(result)
    _say(f"{call.label} [{size.block.where}]", result)


def measure_prism(options: Options, block: Block, peer: prism.Prism, lines: list[str]) -> None:
    """Prism on the same calls; if it fails, its column says n/a and the run goes on."""
    path = calls.write(options.workdir / f"prism-{block.backend}-{block.groups}.calls", lines)
    try:
        if options.warmup:
            wrk.run(peer.base_url, path, options.warming, prism.TOKEN)
        block.results[PRISM] = timed(
            partial(wrk.run, peer.base_url, path, options.measured(), prism.TOKEN),
            peer.pids,
            list,
        )
    except RuntimeError as error:
        print(f"  Prism could not be measured: {error}", file=sys.stderr, flush=True)
        return
    _say(calls.PRISM_LABEL, block.results[PRISM])


def timed(
    run: Callable[[], wrk.Measure],
    server_pids: Callable[[], list[int]],
    db_pids: Callable[[], list[int]],
) -> Result:
    """``run``, and the CPU time the server's and the database's processes spent meanwhile."""
    servers, databases = server_pids(), db_pids()
    server_before, db_before = cpu_seconds(servers), cpu_seconds(databases)
    measure = run()
    # Processes that started meanwhile count from zero; ones that ended are lost.
    server_after = cpu_seconds(sorted(set(servers) | set(server_pids())))
    db_after = cpu_seconds(sorted(set(databases) | set(db_pids())))
    return Result(
        measure,
        server_cpu_s=server_after - server_before,
        db_cpu_s=(db_after - db_before) if databases or db_pids() else None,
    )


def _say(label: str, result: Result) -> None:
    print(f"  {label:<50} {result.rate:>8,.0f} req/s", flush=True)
