"""One block of the benchmark: one backend at one size, from loading the database
to stopping the server, every call measured in turn."""

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
from bench.serving import calls, prism, targets, wrk
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
    targets: int = 1000  # groups each call spreads over
    approval_rate: int = 3000  # join requests made ready per second of approving
    only: list[str] = field(default_factory=list)  # keys of the calls to make; empty: all
    server_env: dict[str, str] = field(default_factory=dict)
    reuse: bool = False
    keep: bool = False

    @property
    def measured(self) -> wrk.Load:
        return wrk.Load(self.connections, self.threads, self.duration)

    @property
    def warming(self) -> wrk.Load:
        return wrk.Load(self.connections, self.threads, self.warmup)

    def chosen(self) -> list[calls.Call]:
        picked = [c for c in calls.CALLS if not self.only or c.key in self.only]
        return [calls.CEILING, *[c for c in picked if c is not calls.CEILING]]


def measure_block(options: Options, backend: str, groups: int, peer: prism.Prism | None) -> Block:
    database = BenchDatabase.for_groups(backend, groups, options.workdir)
    shape = Shape(groups)
    loaded = asyncio.run(load(database, shape, reuse=options.reuse))
    chosen = options.chosen()
    approvals = options.approval_rate if any(c.key == "approve" for c in chosen) else 0
    picked = asyncio.run(
        targets.pick(
            database,
            shape,
            loaded.business_id,
            options.targets,
            approvals * options.duration,
            approvals * options.warmup,
        )
    )
    block = Block(backend, groups, loaded.seconds)
    server = Server(database.url, options.workdir, options.workers, options.server_env)
    db_pids: Callable[[], list[int]] = (
        (lambda: postgres_backends(database.name)) if backend == "postgresql" else list
    )
    try:
        server.wait_ready()
        for call in chosen:
            token = picked.token if call.authorized else "-"
            if options.warmup:
                lines = (call.warmup_lines or call.lines)(picked)
                warm = calls.write(options.workdir / f"{call.key}.warmup.calls", lines)
                wrk.run(server.base_url, warm, options.warming, token, wa_prefix())
            path = calls.write(options.workdir / f"{call.key}.calls", call.lines(picked))
            block.results[call.key] = timed(
                partial(wrk.run, server.base_url, path, options.measured, token, wa_prefix()),
                server.worker_pids,
                db_pids,
            )
            _say(call.label, block.results[call.key])
        block.memory_mb = server.peak_memory_mb()
    except BaseException:
        print(server.log_tail(), file=sys.stderr)
        raise
    finally:
        server.stop()
    if peer is not None:
        measure_prism(options, block, peer, calls.reset_lines(picked))
    if not options.keep:
        asyncio.run(database.drop())
    return block


def measure_prism(options: Options, block: Block, peer: prism.Prism, lines: list[str]) -> None:
    """Prism on the same calls; if it fails, its column says n/a and the run goes on."""
    path = calls.write(options.workdir / "prism.calls", lines)
    try:
        if options.warmup:
            wrk.run(peer.base_url, path, options.warming, prism.TOKEN)
        block.results[PRISM] = timed(
            partial(wrk.run, peer.base_url, path, options.measured, prism.TOKEN),
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
    print(f"  {label:<40} {result.rate:>8,.0f} req/s", flush=True)
