"""Drive a server with wrk (Debian's package ``wrk``) and read its report."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("calls.lua")


@dataclass(frozen=True, slots=True)
class Load:
    connections: int
    threads: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Measure:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # HTTP status >= 400, refused, reset and timed-out requests

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run(
    base_url: str, calls_file: Path, load: Load, token: str = "-", wa_prefix: str = "19"
) -> Measure:
    """Send the calls of ``calls_file`` (see calls.lua) for ``load.seconds``."""
    args = [str(calls_file), str(load.threads), token, wa_prefix]
    return measure(run_script(base_url, SCRIPT, args, load))


def run_script(base_url: str, script: Path, args: list[str], load: Load) -> dict[str, int]:
    """wrk with ``script`` and its ``args`` for ``load.seconds``: the JSON line it reports."""
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    seconds = max(1, round(load.seconds))
    command = [
        wrk,
        f"-t{load.threads}",
        f"-c{max(load.connections, load.threads)}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base_url,
        "--",
        *args,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    report = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not report:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    found: dict[str, int] = json.loads(report[-1])
    return found


def measure(found: dict[str, int]) -> Measure:
    return Measure(
        requests=found["requests"],
        seconds=found["duration_us"] / 1e6,
        p50_ms=found["p50_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
        errors=found["status_errors"] + found["socket_errors"],
    )
