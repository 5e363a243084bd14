"""An earlier commit of grouplink, served beside this one in the same run (--against).

Its code comes out of git (``git archive``, into the work folder), and its database is
loaded by its own ``bench.load`` at its own schema, in a database of its own: the
server of that commit then runs as it ran then, on the same machine, at the same
moment as this one. Only calls that need no token are measured on it (the ceiling,
the link page, the link preview): the token and the write targets are made by this
commit's code, which an older schema may not accept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.databases import BenchDatabase, database_prefix
from bench.serving.server import ROOT


@dataclass(frozen=True, slots=True)
class Earlier:
    revision: str  # as given, e.g. "8cdfb50"
    commit: str  # the full hash it names
    root: Path  # its files

    @property
    def short(self) -> str:
        return self.commit[:7]

    @property
    def path(self) -> dict[str, str]:
        """Its modules before this checkout's (the virtualenv's grouplink is this one)."""
        return {"PYTHONPATH": f"{self.root / 'src'}{os.pathsep}{self.root}"}


def check_out(revision: str, workdir: Path) -> Earlier:
    """The files of ``revision`` under ``workdir`` (kept: a second run reuses them)."""
    commit = _git("rev-parse", "--verify", f"{revision}^{{commit}}").strip()
    root = workdir / f"at-{commit[:12]}"
    if not (root / "src" / "grouplink").is_dir():
        root.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", commit],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
    return Earlier(revision, commit, root)


def load(earlier: Earlier, backend: str, groups: int, workdir: Path, reuse: bool) -> BenchDatabase:
    """A database of ``groups`` groups, loaded by ``earlier``'s own loader."""
    prefix = f"{database_prefix()}_at_{earlier.short}"
    database = BenchDatabase.for_groups(backend, groups, workdir, prefix)
    command = [sys.executable, "-m", "bench.load", backend, "--groups", str(groups)]
    command += ["--dir", str(workdir), *(["--reuse"] if reuse else [])]
    done = subprocess.run(
        command,
        cwd=earlier.root,
        env={**os.environ, **earlier.path, "GROUPLINK_BENCH_DATABASE": prefix},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{earlier.short}'s bench.load failed:\n{done.stderr[-3000:]}")
    said = json.loads(done.stdout.strip().splitlines()[-1])
    if said["database"] != database.url:
        raise RuntimeError(f"{earlier.short} loaded {said['database']}, not {database.url}")
    return database


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"--against: git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout
