"""Running the guide's blocks as an operator's shell would, and what the test needs
around them: a copy of the checkout to install from, PostgreSQL's superuser."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa

from tests.deploy.guide import Block
from tests.support import _admin_url

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def copy_checkout(to: Path) -> Path:
    """The checkout's files as a clone would have them (tracked, and new ones not
    ignored), without .venv, caches or build output."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)
    return to


def admin() -> sa.URL:
    """PostgreSQL's superuser: GROUPLINK_TEST_POSTGRES_URL."""
    return _admin_url()


def libpq_env(url: sa.URL) -> dict[str, str]:
    """PGHOST, PGPORT, PGUSER (and PGPASSWORD): how the guide's psql reaches the server."""
    env = {"PGHOST": url.host or "127.0.0.1", "PGPORT": str(url.port or 5432)}
    env["PGUSER"] = url.username or "postgres"
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def operator_env(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without GROUPLINK_* settings (the guide's environment
    file must be what counts), with the system folders on PATH (runuser, nginx)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPLINK_")}
    env["PATH"] = f"{env.get('PATH', '')}:{SYSTEM_PATH}"
    return {**env, **extra}


def run_blocks(blocks: list[Block], names: dict[str, str], env: dict[str, str], cwd: Path) -> str:
    """The blocks as one shell session after the names; what they printed."""
    script = "\n".join(f"{key}={shlex.quote(value)}" for key, value in names.items())
    script += "\n" + "\n".join(block.text for block in blocks)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, f"the guide's commands failed:\n{script}\n--- they said:\n{said}"
    return said
