"""The benchmarks keep working: a seconds-long run of each, checked for its table."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bench.serving.report import LABELS

from tests.support import drop_postgres_database, postgres_test_url

ROOT = Path(__file__).resolve().parent.parent
# The request benchmark's calls, in the order it makes them.
CALLS = [
    "ceiling",
    "link_page",
    "link_preview",
    "group_info",
    "get_link",
    "insights",
    "reset_link",
    "reset_hot",
    "join",
    "join_hot",
    "approve",
]
UNAUTHORIZED = {"ceiling", "link_page", "link_preview"}  # what an earlier commit is measured on
BEFORE_LINKS = "8cdfb50"  # the commit before several links per group (a schema of its own)


def test_webhook_benchmark_smoke() -> None:
    name = f"grouplink_smoke_{os.getpid()}"
    if postgres_test_url(name, required=False) is None:
        pytest.skip("PostgreSQL is not reachable; CI runs this")
    env = {**os.environ, "GROUPLINK_BENCH_DATABASE": name}
    if "GROUPLINK_TEST_POSTGRES_URL" in os.environ:
        env["GROUPLINK_BENCH_POSTGRES_URL"] = os.environ["GROUPLINK_TEST_POSTGRES_URL"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.webhooks",
            "--events",
            "400",
            "--workers",
            "1,2",
            "--ceiling-seconds",
            "0.5",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    drop_postgres_database(name)
    assert result.returncode == 0, result.stderr[-2000:]
    # A row per worker count, each measured: its events per second and the receiver's
    # ceiling are numbers. How fast depends on the machine: not checked.
    rows = [line.split() for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["1", "2"], result.stdout
    for row in rows:
        assert len(row) == 4, row
        assert float(row[1].replace(",", "")) > 0, row  # every event was drained
        float(row[2].replace(",", ""))  # the ceiling, a number (0 on a stalled machine)


def _serving(
    tmp_path: Path,
    backends: str,
    env: dict[str, str],
    scales: str = "100",
    calls: list[str] = CALLS,
    more: tuple[str, ...] = (),
) -> tuple[list[dict[str, object]], str]:
    """A seconds-long run of the request benchmark; its JSON figures and what it printed."""
    figures = tmp_path / "figures.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.serving",
            "--backends",
            backends,
            "--scales",
            scales,
            "--duration",
            "1",
            "--warmup",
            "0",
            "--connections",
            "8",
            "--no-prism",
            "--no-synapse",
            "--calls",
            ",".join(calls),
            "--workdir",
            str(tmp_path),
            "--json",
            str(figures),
            *more,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    # Every call ran and was measured. How fast, or whether every request of a
    # one-second window succeeded, depends on how busy the machine is: not checked here.
    lines = result.stdout.splitlines()
    tables = [n for n, line in enumerate(lines) if line.startswith("call ") and "ceiling" in line]
    blocks: list[dict[str, object]] = json.loads(figures.read_text())
    assert len(tables) == len(blocks), result.stdout
    for block, start in zip(blocks, tables, strict=True):
        results = block["results"]
        assert isinstance(results, dict), block
        expected = calls if block["version"] is None else [c for c in calls if c in UNAUTHORIZED]
        assert list(results) == expected, block
        rows = lines[start + 1 : start + 1 + len(expected)]
        assert [row[:40].strip() for row in rows] == [LABELS[key] for key in expected], rows
        for row in rows:
            float(row[40:].split()[0].replace(",", ""))  # its requests per second, a number
        for key, measured in results.items():
            assert measured["seconds"] > 0, f"{key} was not measured"
        assert block["memory_mb"], "no worker memory read"
    return blocks, result.stdout


def _require_wrk() -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk)")


def test_request_benchmark_smoke_sqlite(tmp_path: Path) -> None:
    _require_wrk()
    # Two sizes: their servers run side by side, each call run on both, there and back
    # (a read, a write, and the approvals that each run must share out).
    # And an earlier commit's server beside each size, loaded by its own code at its
    # own schema, measured on the calls that need no token.
    calls = ["ceiling", "link_page", "reset_link", "approve"]
    more = ("--against", BEFORE_LINKS)
    blocks, printed = _serving(tmp_path, "sqlite", dict(os.environ), "200,100", calls, more)
    assert [(b["backend"], b["groups"], b["version"]) for b in blocks] == [
        ("sqlite", 100, None),
        ("sqlite", 100, BEFORE_LINKS),
        ("sqlite", 200, None),
        ("sqlite", 200, BEFORE_LINKS),
    ]
    assert "SQLite: 200 groups against 100" in printed, printed
    assert f"SQLite, 100 groups: this checkout against {BEFORE_LINKS}" in printed, printed
    assert f"link page within 10% of {BEFORE_LINKS}" in printed, printed


def test_request_benchmark_smoke_postgresql(tmp_path: Path) -> None:
    _require_wrk()
    prefix = f"grouplink_smoke_{os.getpid()}"
    if postgres_test_url(prefix, required=False) is None:
        pytest.skip("PostgreSQL is not reachable; CI runs this")
    drop_postgres_database(prefix)
    env = {**os.environ, "GROUPLINK_BENCH_DATABASE": prefix}
    if "GROUPLINK_TEST_POSTGRES_URL" in os.environ:
        env["GROUPLINK_BENCH_POSTGRES_URL"] = os.environ["GROUPLINK_TEST_POSTGRES_URL"]
    try:
        blocks, _ = _serving(tmp_path, "postgresql", env)
    finally:
        drop_postgres_database(f"{prefix}_100")
    assert [(b["backend"], b["groups"]) for b in blocks] == [("postgresql", 100)]
