"""The command line: demo, token create/revoke, migrate, against the test server's database."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from tests.conftest import Server
from tests.support import TIMEOUT_S


def cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grouplink", *args],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


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
