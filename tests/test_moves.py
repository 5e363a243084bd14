"""grouplink backup, export and import, as an operator runs them: a deployment moves
from SQLite to PostgreSQL and back, row for row, and goes on working; a backup is a
working copy; an import refuses a database that is not empty.

The suite moves 2,000 groups; `.ci/run` runs this file again at 100,000 groups
(GROUPLINK_TEST_MOVE_GROUPS), a few minutes that the fast suite does without."""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import sqlite3
from pathlib import Path

import pytest
from bench.databases import BenchDatabase
from bench.dataset import Shape
from bench.load import load

from tests.support import Ran, drop_postgres_database, postgres_test_url, run_cli

GROUPS = int(os.environ.get("GROUPLINK_TEST_MOVE_GROUPS", "2000"))


def grouplink(database_url: str, *args: str) -> Ran:
    """The operator's command, run in this process (tests/test_cli.py runs the installed one)."""
    return run_cli({"GROUPLINK_DATABASE_URL": database_url}, *args)


def lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as found:
        return found.read().splitlines()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An SQLite deployment of GROUPS groups (bench/load.py: links, people, participants)."""
    folder = tmp_path_factory.mktemp("moves")
    target = BenchDatabase.for_groups("sqlite", GROUPS, folder)
    asyncio.run(load(target, Shape(GROUPS)))
    return target.url


def test_a_deployment_moves_to_postgresql_and_back_row_for_row(loaded: str, tmp_path: Path) -> None:
    name = f"grouplink_moves_{os.getpid()}"
    postgres = postgres_test_url(name, required=False)
    if postgres is None:
        pytest.skip("PostgreSQL is not reachable; CI runs it")
    try:
        first = tmp_path / "from-sqlite.jsonl.gz"
        made = grouplink(loaded, "export", str(first))
        assert made.returncode == 0, made.stderr
        header = json.loads(lines(first)[0])
        assert header["counts"]["groups"] == GROUPS
        assert header["counts"]["participants"] == 5 * GROUPS

        moved = grouplink(postgres, "import", str(first))
        assert moved.returncode == 0, moved.stderr
        assert "counts match" in moved.stderr and "sampled rows read back equal" in moved.stderr

        # Back again, into a new SQLite file: every export is the same, line for line.
        second = tmp_path / "from-postgresql.jsonl.gz"
        assert grouplink(postgres, "export", str(second)).returncode == 0
        back = f"sqlite:///{tmp_path}/back.db"
        returned = grouplink(back, "import", str(second))
        assert returned.returncode == 0, returned.stderr
        third = tmp_path / "back.jsonl.gz"
        assert grouplink(back, "export", str(third)).returncode == 0
        assert lines(first) == lines(second) == lines(third)

        # The moved deployment goes on: new rows get keys after the moved ones.
        for url in (postgres, back):
            demo = grouplink(url, "demo", "--json")
            assert demo.returncode == 0, demo.stderr

        # A database that is not empty is refused, and keeps what it had.
        again = grouplink(postgres, "import", str(first))
        assert again.returncode != 0 and "not empty" in again.stderr, again.stderr
    finally:
        drop_postgres_database(name)


def test_a_backup_is_a_working_copy_and_never_overwrites(loaded: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    made = grouplink(loaded, "backup", str(copy))
    assert made.returncode == 0, made.stderr
    source = loaded.removeprefix("sqlite:///")
    with sqlite3.connect(source) as one, sqlite3.connect(copy) as other:
        for table in ("groups", "invite_links", "participants", "server_state"):
            query = f"SELECT count(*), max(rowid) FROM {table}"
            assert one.execute(query).fetchone() == other.execute(query).fetchone(), table
    assert grouplink(f"sqlite:///{copy}", "demo", "--json").returncode == 0
    refused = grouplink(loaded, "backup", str(copy))
    assert refused.returncode != 0 and "exists" in refused.stderr


def test_an_export_that_is_not_one_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"not a gzip file")
    refused = grouplink(f"sqlite:///{tmp_path}/new.db", "import", str(junk))
    assert refused.returncode != 0 and "not a grouplink export" in refused.stderr
