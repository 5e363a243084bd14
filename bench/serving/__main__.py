"""How many requests a second does grouplink serve, against its ceiling, Prism and Synapse?

    python -m bench.serving                    # SQLite and PostgreSQL, 1,000 and 1,000,000 groups
    python -m bench.serving --backends sqlite --scales 100 --duration 1 --no-prism --no-synapse
    python -m bench.serving --against 8cdfb50  # also serve that commit, beside each size

For each backend and size it loads a database (bench/load.py) and starts a real
`grouplink serve` with several workers; the servers of one backend's sizes run
side by side. wrk, from another process, drives each call on one size right
after the other: first the ceiling (GET /healthz, the same server stack touching
no database), then each call, then Prism mocking Meta's spec on the invite-link
reset; then, once per backend, Synapse letting people into rooms on the same
backend (bench/serving/synapse.py; --no-synapse skips it). Every figure is
printed with its ratio to the ceiling and to Prism measured in the same block,
Synapse's with how many times its rate a join through a link is, then the change
with data size, each worker's peak memory, and the targets. SQLite's largest
size is capped at --sqlite-max-groups (100,000 by default). With --against, an
earlier commit's own server, on a database its own loader made, runs beside each
size and is measured on the calls that need no token, in the same rounds
(bench/serving/earlier.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from dataclasses import asdict
from pathlib import Path

from bench.databases import BACKENDS
from bench.serving import earlier, prism, synapse, synapse_load, wrk
from bench.serving.block import Options, measure_backend
from bench.serving.report import (
    Block,
    block_table,
    scale_table,
    verdict_table,
    verdicts,
    version_table,
)
from bench.serving.server import ROOT


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.serving",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    add("--scales", default="1000,1000000", help="numbers of groups, comma-separated")
    add("--sqlite-max-groups", type=int, default=100_000, help="SQLite's sizes are capped here")
    add("--duration", type=int, default=10, help="seconds each call is measured")
    add("--warmup", type=int, default=2, help="seconds each call runs first, not measured")
    add("--connections", type=int, default=64)
    add("--threads", type=int, default=2, help="wrk threads")
    add("--workers", type=int, default=2, help="grouplink serve --workers")
    add("--targets", type=int, default=1000, help="groups each call spreads over")
    add(
        "--approval-rate",
        type=int,
        default=3000,
        help="join requests made ready per second of approving (enough for the rate reached)",
    )
    add("--calls", default="", help="only these calls (keys as in --json), comma-separated")
    add("--no-prism", action="store_true", help="skip the Prism baseline")
    add("--no-synapse", action="store_true", help="skip the Synapse peer")
    add(
        "--synapse-users",
        type=int,
        default=600,
        help="Synapse users registered before timing: each joins and knocks once",
    )
    add(
        "--against",
        default="",
        metavar="COMMIT",
        help="also serve this earlier commit beside each size (calls without a token)",
    )
    add("--spec", type=Path, default=None, help="Meta's OpenAPI spec for Prism")
    add("--reuse", action="store_true", help="reuse databases a --keep run left of the same size")
    add("--keep", action="store_true", help="keep the databases afterwards")
    add(
        "--workdir",
        type=Path,
        default=ROOT / "bench" / ".data",
        help="SQLite files, server logs, call files",
    )
    add(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra setting for the server, e.g. GROUPLINK_LOG_LEVEL=warning",
    )
    add("--json", type=Path, default=None, help="also write every figure here")
    return parser.parse_args(argv)


def sizes(args: argparse.Namespace) -> dict[str, list[int]]:
    """The numbers of groups to measure, per backend, smallest first."""
    scales = [int(s) for s in args.scales.split(",")]
    found: dict[str, list[int]] = {}
    for backend in args.backends.split(","):
        if backend not in BACKENDS:
            raise SystemExit(f"unknown backend {backend!r}; use {', '.join(BACKENDS)}")
        capped = {min(s, args.sqlite_max_groups) if backend == "sqlite" else s for s in scales}
        found[backend] = sorted(capped)
    return found


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if wrk.wrk_path() is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian's package)")
    options = Options(
        workdir=args.workdir,
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        threads=args.threads,
        workers=args.workers,
        targets=args.targets,
        approval_rate=args.approval_rate,
        only=[c for c in args.calls.split(",") if c],
        server_env=dict(item.split("=", 1) for item in args.server_env),
        reuse=args.reuse,
        keep=args.keep,
        against=earlier.check_out(args.against, args.workdir) if args.against else None,
    )
    options.workdir.mkdir(parents=True, exist_ok=True)
    peer, peer_note = (None, "skipped (--no-prism)")
    if not args.no_prism:
        peer, peer_note = prism.start(args.spec, options.workdir)
    print(f"Prism: {peer_note}", flush=True)
    matrix: synapse.Install | str = "skipped (--no-synapse)"
    if not args.no_synapse:
        matrix = synapse.install(options.workdir)
    notes = [_synapse_note(matrix, args.synapse_users)]
    print(f"Synapse: {notes[0]}", flush=True)
    blocks: list[Block] = []
    try:
        for backend, groups in sizes(args).items():
            found = measure_backend(options, backend, groups, peer)
            if isinstance(matrix, synapse.Install):
                notes += synapse_load.beside(options, backend, matrix, args.synapse_users, found)
            blocks += found
    finally:
        if peer is not None:
            peer.stop()
    print_report(args, blocks, peer_note, notes)
    if args.json:
        args.json.write_text(json.dumps([_as_json(b) for b in blocks], indent=1))


def _synapse_note(matrix: synapse.Install | str, users: int) -> str:
    if isinstance(matrix, str):
        return matrix
    return (
        f"matrix-synapse {matrix.version}, one process, rate limits off, wrk as above; "
        f"{users:,} users registered before timing, each joining and knocking once"
    )


def print_report(
    args: argparse.Namespace, blocks: list[Block], peer_note: str, synapse_notes: list[str]
) -> None:
    print(
        f"\nRequests: grouplink serve --workers {args.workers}; wrk, {args.threads} threads, "
        f"{args.connections} connections, {args.duration} s per call after {args.warmup} s "
        f"of warm-up; {machine()}"
    )
    print(f"Prism: {peer_note}")
    for note in synapse_notes:
        print(f"Synapse: {note}")
    for block in blocks:
        print()
        for line in block_table(block):
            print(line)
    now = [b for b in blocks if not b.version]
    pairs = []
    for backend in BACKENDS:
        mine = [b for b in now if b.backend == backend]
        if len(mine) >= 2:
            pairs.append((mine[0], mine[-1]))
    for small, large in pairs:
        print()
        for line in scale_table(small, large):
            print(line)
    versions = [
        (then, block)
        for block in now
        for then in blocks
        if then.version and (then.backend, then.groups) == (block.backend, block.groups)
    ]
    for then, block in versions:
        print()
        for line in version_table(then, block):
            print(line)
    found = list(verdicts(now, pairs, versions))
    if found:
        print()
        for line in verdict_table(found):
            print(line)


def _as_json(block: Block) -> dict[str, object]:
    return {
        "backend": block.backend,
        "groups": block.groups,
        "version": block.version or None,
        "load_seconds": round(block.load_seconds, 1),
        "memory_mb": [round(mb, 1) for mb in block.memory_mb],
        "results": {
            key: {
                **asdict(result.measure),
                "rate": round(result.rate, 1),
                "server_cpu_ms_per_request": round(result.server_ms, 3),
                "db_cpu_ms_per_request": None if result.db_ms is None else round(result.db_ms, 3),
            }
            for key, result in block.results.items()
        },
    }


if __name__ == "__main__":
    main()
