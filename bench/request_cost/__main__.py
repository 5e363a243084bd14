"""What one request costs the app itself, this checkout against an earlier commit.

    python -m bench.request_cost --against 8cdfb50
    python -m bench.request_cost --against 8cdfb50 --calls /healthz --requests 5000 --rounds 1

Each round runs a fresh process of each version (``child.py``, which calls the ASGI
app directly on a fresh SQLite database: no socket, no HTTP parsing, one core) and
times every call's CPU (the process's own, so other work on the machine counts
little) over ``--requests`` requests after a warm-up; the versions take turns,
round after round, so a machine's drift falls on both. Printed: each version's
median microseconds of CPU per request, and Python function calls per request
(counted with cProfile: the same whatever else the machine does), with the change.
What it does not see: the server's sockets and HTTP parsing (uvicorn, the same for
both) and the database under concurrency; ``bench.serving`` measures those.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.serving import earlier
from bench.serving.server import ROOT

CHILD = Path(__file__).with_name("child.py")
CALLS = "/healthz,/{code},/pictures/{code}"


Costs = dict[str, dict[str, float]]  # call -> {"cpu_us": ..., "function_calls": ...}


def measure(env: dict[str, str], calls: str, requests: int) -> Costs:
    done = subprocess.run(
        [sys.executable, str(CHILD), str(requests), calls],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the measuring process failed:\n{done.stderr[-3000:]}")
    costs: Costs = json.loads(done.stdout.strip().splitlines()[-1])
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", required=True, metavar="COMMIT")
    parser.add_argument("--calls", default=CALLS, help=f"paths, comma-separated ({CALLS})")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".data")
    args = parser.parse_args()
    old = earlier.check_out(args.against, args.workdir)
    now_env = {"PYTHONPATH": str(ROOT / "src")}
    runs: dict[str, list[Costs]] = {"now": [], old.short: []}
    for _ in range(args.rounds):
        runs["now"].append(measure(now_env, args.calls, args.requests))
        runs[old.short].append(measure(old.path, args.calls, args.requests))
    print(f"per request: median of {args.rounds} rounds of {args.requests:,} requests")
    head = f"{'call':<22}{'CPU us ' + old.short:>16}{'now':>8}{'change':>8}"
    print(head + f"{'calls ' + old.short:>16}{'now':>8}{'change':>8}")
    for call in args.calls.split(","):
        line = f"{call:<22}"
        for figure, width in (("cpu_us", 16), ("function_calls", 16)):
            before = statistics.median(run[call][figure] for run in runs[old.short])
            after = statistics.median(run[call][figure] for run in runs["now"])
            line += f"{before:>{width}.0f}{after:>8.0f}{(after / before - 1) * 100:>+7.0f}%"
        print(line)


if __name__ == "__main__":
    main()
