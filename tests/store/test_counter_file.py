"""The change counters' file is opened only where it is safe: never through a
symbolic link, never a file or folder of another user, never a temporary folder
that others may write. A refused path leaves the process counters of its own."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from grouplink.store.changes import TOKENS, Changes

PG_URL = sa.engine.make_url("postgresql+asyncpg://postgres@127.0.0.1:5432/grouplink_counters")
SOMEONE_ELSE = 65534  # nobody
VICTIM_BYTES = b"a file the attacker wants us to overwrite\n"


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder, as $TMPDIR would set it."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victim"
    path.write_bytes(VICTIM_BYTES)
    return path


def refused(changes: Changes) -> list[str]:
    """Record a change and say what was logged; the counters work all the same."""
    with capture_logs() as logs:
        changes.record([TOKENS])
    assert changes.version(TOKENS) == changes.sequence() == 1
    return [str(entry["error"]) for entry in logs if entry["event"].startswith("change counters")]


def test_on_postgresql_the_file_is_in_a_folder_of_this_user_alone(temp: Path) -> None:
    changes = Changes.of(PG_URL)
    assert refused(changes) == []
    assert changes.path is not None
    folder = Path(changes.path).parent
    assert folder == temp / f"grouplink-{os.geteuid()}"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(changes.path).stat().st_mode) == 0o600
    assert Changes.of(PG_URL).version(TOKENS) == 1  # and shared with the machine's others


def test_a_symbolic_link_planted_at_the_counters_is_refused(temp: Path, victim: Path) -> None:
    path = Changes.of(PG_URL).path
    assert path is not None
    Path(path).parent.mkdir(mode=0o700)
    Path(path).symlink_to(victim)
    changes = Changes.of(PG_URL)
    assert refused(changes) == [f"{path} is a symbolic link"]
    assert victim.read_bytes() == VICTIM_BYTES  # nothing written through it
    assert Changes.of(PG_URL).version(TOKENS) == 0  # the counters were this process's own


def test_a_symbolic_link_beside_a_sqlite_file_is_refused_and_the_cache_is_off(
    tmp_path: Path, victim: Path
) -> None:
    (tmp_path / "g.db.changes").symlink_to(victim)
    changes = Changes.of(sa.engine.make_url(f"sqlite+aiosqlite:///{tmp_path}/g.db"))
    assert changes.complete
    assert refused(changes) == [f"{tmp_path}/g.db.changes is a symbolic link"]
    assert victim.read_bytes() == VICTIM_BYTES
    # Other processes' changes would go unseen: keep nothing rather than keep stale rows.
    assert not changes.complete


def test_a_private_folder_that_is_a_symbolic_link_is_refused(temp: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "made by someone else"
    elsewhere.mkdir(mode=0o700)
    (temp / f"grouplink-{os.geteuid()}").symlink_to(elsewhere)
    assert refused(Changes.of(PG_URL)) == [
        f"{temp}/grouplink-{os.geteuid()} is not a folder (a symbolic link?)"
    ]
    assert list(elsewhere.iterdir()) == []


def test_a_private_folder_open_to_others_is_refused(temp: Path) -> None:
    folder = temp / f"grouplink-{os.geteuid()}"
    folder.mkdir()
    folder.chmod(0o777)
    assert refused(Changes.of(PG_URL)) == [f"{folder} is open to other users (mode 777)"]
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to someone else")
def test_a_folder_or_file_of_another_user_is_refused(temp: Path, tmp_path: Path) -> None:
    folder = temp / f"grouplink-{os.geteuid()}"
    folder.mkdir(mode=0o700)
    os.chown(folder, SOMEONE_ELSE, SOMEONE_ELSE)
    assert refused(Changes.of(PG_URL)) == [
        f"{folder} belongs to user {SOMEONE_ELSE}, not to this one"
    ]

    theirs = tmp_path / "g.db.changes"
    theirs.write_bytes(VICTIM_BYTES)
    os.chown(theirs, SOMEONE_ELSE, SOMEONE_ELSE)
    changes = Changes.of(sa.engine.make_url(f"sqlite+aiosqlite:///{tmp_path}/g.db"))
    assert refused(changes) == [f"{theirs} belongs to user {SOMEONE_ELSE}, not to this one"]
    assert theirs.read_bytes() == VICTIM_BYTES
