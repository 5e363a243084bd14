"""The stateful peer: Synapse (PyPI ``matrix-synapse``), the Matrix homeserver a
community team would otherwise run to let people into rooms, on the benchmark's
machine and backend, set up as /work/shared/PEERS.md describes: rate limits off,
registration open, quick password hashing (registration happens before timing).

Installed on first use into a venv of its own under the work folder. Anything
missing is reported as a reason, never raised: the benchmark then says so and
goes on. Driving it is bench/serving/synapse_load.py.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bench.databases import _admin, plain_postgres_url, postgres_admin_url
from bench.serving.server import free_port, log_tail, stop_group, wait_answering

PACKAGES = ("matrix-synapse", "psycopg2-binary")
SERVER_NAME = "localhost"
DATABASE = "grouplink_bench_synapse"  # PostgreSQL: made afresh for each run, then dropped
OFF = {"per_second": 100_000, "burst_count": 100_000}  # a rate limit that never bites
RATE_LIMITS = (
    *("rc_message", "rc_registration", "rc_registration_token_validity", "rc_joins_per_room"),
    *("rc_3pid_validation", "rc_admin_redaction", "rc_third_party_invite", "rc_media_create"),
    *("rc_delayed_event_mgmt", "rc_room_creation", "rc_reports", "rc_user_directory"),
    *("rc_profile", "rc_key_requests"),
)
NESTED_LIMITS = {
    "rc_login": ("address", "account", "failed_attempts"),
    "rc_joins": ("local", "remote"),
    "rc_invites": ("per_room", "per_user", "per_issuer"),
    "rc_presence": ("per_user",),
}

# Run by Synapse's own Python, which has PyYAML: the generated file, with these keys set.
_EDIT = """
import json, sys, yaml
path = sys.argv[1]
config = yaml.safe_load(open(path))
config.update(json.load(sys.stdin))
yaml.safe_dump(config, open(path, "w"))
"""

_VERSION = "import psycopg2, synapse, importlib.metadata as m; print(m.version('matrix-synapse'))"


@dataclass(frozen=True, slots=True)
class Install:
    python: Path  # the venv's interpreter, with synapse and psycopg2
    version: str


def install(workdir: Path) -> Install | str:
    """Synapse in ``workdir/synapse/venv``, installed if need be; or why it cannot be."""
    venv = (workdir / "synapse" / "venv").absolute()
    python = venv / "bin" / "python"
    version = _version(python)
    if version:
        return Install(python, version)
    print("Synapse: installing matrix-synapse (about a minute)", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *PACKAGES],
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"could not make its venv: {error}"
    version = _version(python)
    if done.returncode != 0 or not version:
        return f"pip install {' '.join(PACKAGES)} failed: {done.stderr.strip()[-300:]}"
    return Install(python, version)


def _version(python: Path) -> str:
    if not python.exists():
        return ""
    found = subprocess.run(
        [str(python), "-c", _VERSION],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return found.stdout.strip() if found.returncode == 0 else ""


def settings(port: int, database: dict[str, object]) -> dict[str, object]:
    """What the benchmark changes in the generated homeserver.yaml (PEERS.md)."""
    limits: dict[str, object] = {name: OFF for name in RATE_LIMITS}
    limits |= {name: {part: OFF for part in parts} for name, parts in NESTED_LIMITS.items()}
    return {
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "enable_registration": True,
        "enable_registration_without_verification": True,
        "bcrypt_rounds": 4,  # registration is not what is measured: make it quick
        "database": database,
        **limits,
    }


def _postgres_database() -> dict[str, object]:
    url = sa.engine.make_url(plain_postgres_url(postgres_admin_url()))
    args = {
        "user": url.username or "postgres",
        "dbname": DATABASE,
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "cp_min": 5,
        "cp_max": 10,
    }
    if url.password:
        args["password"] = url.password
    return {"name": "psycopg2", "args": args}


def _create_postgres() -> None:
    async def create() -> None:
        await _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        # Synapse refuses a database of another encoding or collation.
        await _admin(
            f"CREATE DATABASE \"{DATABASE}\" ENCODING 'UTF8' LC_COLLATE='C' LC_CTYPE='C' "
            "template=template0"
        )

    asyncio.run(create())


def _drop_postgres() -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


class Synapse:
    """One homeserver on a fresh database of ``backend``, configured in ``home``."""

    def __init__(self, setup: Install, backend: str, home: Path) -> None:
        self.backend = backend
        self.database = DATABASE if backend == "postgresql" else ""
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        home = home.absolute()
        self.log_path = home / "synapse.log"
        config = home / "homeserver.yaml"
        _clear(home)
        home.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(setup.python),
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                SERVER_NAME,
                "--config-path",
                str(config),
                "--generate-config",
                "--report-stats=no",
            ],
            cwd=home,
            capture_output=True,
            check=True,
            timeout=120,
        )
        if backend == "postgresql":
            _create_postgres()
            database = _postgres_database()
        else:
            database = {"name": "sqlite3", "args": {"database": str(home / "homeserver.db")}}
        subprocess.run(
            [str(setup.python), "-c", _EDIT, str(config)],
            input=json.dumps(settings(self.port, database)),
            text=True,
            check=True,
            timeout=60,
        )
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [str(setup.python), "-m", "synapse.app.homeserver", "--config-path", str(config)],
                cwd=home,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 120) -> None:
        url = self.base_url + "/_matrix/client/versions"
        wait_answering(self.proc, url, "synapse", self.log_tail, timeout, pause=0.2)

    def pids(self) -> list[int]:
        return [self.proc.pid]

    def log_tail(self, lines: int = 20) -> str:
        return log_tail(self.log_path, lines)

    def stop(self) -> None:
        stop_group(self.proc, 20)
        if self.backend == "postgresql":
            _drop_postgres()


def _clear(home: Path) -> None:
    """A fresh homeserver each run: last run's config, keys, database and media gone."""
    if not home.exists():
        return
    for path in sorted(home.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        with suppress(OSError):
            path.rmdir() if path.is_dir() else path.unlink()
