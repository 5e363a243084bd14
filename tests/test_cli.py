"""The command line: demo, token create/revoke, migrate, against the test server's database.

The commands run in this process (tests.support.run_cli); the last tests run the
installed ``grouplink`` script as an operator would, for its exit codes and output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import Server
from tests.support import TIMEOUT_S, Ran, run_cli


def cli(server: Server, *args: str) -> Ran:
    return run_cli(server.env, *args)


def test_demo_json_prints_one_object_and_a_fresh_business_each_time(server: Server) -> None:
    first, second = cli(server, "demo", "--json"), cli(server, "demo", "--json")
    assert first.returncode == 0, first.stderr
    made = json.loads(first.stdout)  # stdout is nothing but the JSON object
    for key in ("business_id", "phone_number_id", "token", "app_secret", "base_url"):
        assert made[key], key
    assert json.loads(second.stdout)["business_id"] != made["business_id"]
    assert made["base_url"] == server.graph
    created = httpx.post(
        f"{made['base_url']}/{made['phone_number_id']}/groups",
        json={"messaging_product": "whatsapp", "subject": "From demo"},
        headers={"Authorization": f"Bearer {made['token']}"},
        timeout=TIMEOUT_S,
    )
    assert created.status_code == 200, created.text


def test_token_create_then_revoke_by_token_and_by_id(server: Server) -> None:
    made = json.loads(cli(server, "demo", "--json").stdout)
    url = f"{made['base_url']}/{made['phone_number_id']}/groups"
    for revoke_by in ("token", "token_id"):
        created = cli(server, "token", "create", made["business_id"], "--label", "ci")
        assert created.returncode == 0, created.stderr
        token = json.loads(created.stdout)
        headers = {"Authorization": f"Bearer {token['token']}"}
        assert httpx.get(url, headers=headers, timeout=TIMEOUT_S).status_code == 200
        assert cli(server, "token", "revoke", token[revoke_by]).returncode == 0
        refused = httpx.get(url, headers=headers, timeout=TIMEOUT_S)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == 190
    # The demo token is untouched by revoking the others.
    assert (
        httpx.get(
            url, headers={"Authorization": f"Bearer {made['token']}"}, timeout=TIMEOUT_S
        ).status_code
        == 200
    )
    assert cli(server, "token", "revoke", "no-such-token").returncode == 1


def test_token_create_for_an_unknown_business_fails_clearly(server: Server) -> None:
    result = cli(server, "token", "create", "999")
    assert result.returncode != 0
    assert "No business with id 999" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_is_idempotent(server: Server) -> None:
    assert cli(server, "migrate").returncode == 0
    assert cli(server, "migrate").returncode == 0


def installed(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The ``grouplink`` script pip installed beside this Python, in a process of its own."""
    script = Path(sys.executable).parent / "grouplink"
    return subprocess.run(
        [str(script), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def sqlite_env(database_urls: dict[str, str | None], tmp_path: Path) -> dict[str, str]:
    """The installed command on the SQLite test database: what the process does with its
    exit code and output does not depend on the backend, so one suffices."""
    url = database_urls["sqlite"]
    assert url is not None
    return {**os.environ, "GROUPLINK_DATABASE_URL": url, "GROUPLINK_DATA_DIR": str(tmp_path)}


def test_the_installed_command_prints_a_token_and_exits_0(sqlite_env: dict[str, str]) -> None:
    made = json.loads(run_cli(sqlite_env, "demo", "--json").stdout)
    created = installed(sqlite_env, "token", "create", made["business_id"], "--label", "ops")
    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout)  # stdout is nothing but the JSON object
    assert token["token"] and token["token_id"]


def test_the_installed_command_fails_with_one_line_and_exit_1(sqlite_env: dict[str, str]) -> None:
    unknown = installed(sqlite_env, "token", "create", "999")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "Error: No business with id 999"  # and no traceback
