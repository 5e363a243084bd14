"""The benchmarks keep working: a seconds-long run of each, checked for its table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.support import drop_postgres_database, postgres_test_url

ROOT = Path(__file__).resolve().parent.parent


def test_webhook_benchmark_smoke() -> None:
    name = f"grouplink_smoke_{os.getpid()}"
    if postgres_test_url(name, required=IN_CI) is None:
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
    rows = [line.split() for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in rows] == ["1", "2"]
    for row in rows:
        assert float(row[1].replace(",", "")) > 0  # events per second
