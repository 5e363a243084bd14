"""docs/deployment.md, "A production server, step by step", followed as written on this
machine: a virtualenv, a PostgreSQL role and database, Redis, the environment file,
migrate, a business and a token, the systemd unit's ExecStart (systemd aside), nginx
in front. Then, through nginx: the Graph API, the link page, /readyz, what the
production profile turns off, and that each visitor's own address reaches the rate
limits (GROUPLINK_TRUSTED_PROXIES). Only the names of the guide's first block differ:
database, ports, folders."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shlex
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from limits import parse

from grouplink.settings import Settings
from tests.conftest import free_port, stop_process_groups, wait_until_healthy
from tests.deploy import nginx
from tests.deploy.drive import (
    Door,
    Made,
    check_link_page,
    check_production_profile,
    check_ready,
    drive_graph,
)
from tests.deploy.guide import Block, marked_blocks, names_of, read_env_file, unit_of
from tests.deploy.shell import (
    SYSTEM_PATH,
    admin,
    copy_checkout,
    libpq_env,
    operator_env,
    run_blocks,
)
from tests.support import _admin

READY = '{"status":"ready","checks":{"database":"ok","redis":"ok"}}'
SHOWN = ("CREATE ROLE", "CREATE DATABASE", "PONG", "database is up to date", READY)


def test_the_guide_as_written(tmp_path: Path) -> None:
    binary = nginx.nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    blocks = marked_blocks()
    roles = [block.role for block in blocks]
    assert [r for r in roles if r != "run"] == ["names", "unit", "reload-nginx"], roles
    defaults = names_of(blocks[0])
    names = our_names(tmp_path)
    assert set(names) == set(defaults), "the test gives a value for each of the guide's names"

    env = operator_env(libpq_env(admin()))
    shell_dir = tmp_path / "shell"
    shell_dir.mkdir()
    running: list[subprocess.Popen[bytes]] = []
    said: list[str] = []
    try:
        pending: list[Block] = []
        for block in blocks[1:]:
            if block.role == "run":
                pending.append(block)
                continue
            if pending:  # the blocks since the last stop, as one shell session
                said.append(run_blocks(pending, names, env, shell_dir))
                pending = []
            if block.role == "unit":
                running.append(start_unit(block, defaults, names, tmp_path))
            else:
                running.append(start_nginx(binary, names, tmp_path))
        if pending:
            said.append(run_blocks(pending, names, env, shell_dir))
        output = "\n".join(said)
        for shown in SHOWN:
            assert shown in output, f"the guide shows {shown!r}; its commands said:\n{output}"
        check_through_nginx(names, output)
    finally:
        stop_process_groups(running)
        db = names["GL_DB"]
        asyncio.run(
            _admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', f'DROP ROLE IF EXISTS "{db}"')
        )


def our_names(tmp: Path) -> dict[str, str]:
    """What must differ here: a fresh database and role, free ports, folders of the test."""
    url = admin()
    nginx_dir = tmp / "nginx"
    for sub in ("sites-available", "sites-enabled"):  # as Debian's nginx package makes them
        (nginx_dir / sub).mkdir(parents=True)
    (tmp / "src").mkdir()
    return {
        "GL_DOMAIN": "groups.example.com",
        "GL_SRC": str(copy_checkout(tmp / "src")),
        "GL_HOME": str(tmp / "opt"),
        "GL_ETC": str(tmp / "etc"),
        "GL_VAR": str(tmp / "var"),
        "GL_DB": f"gl_guide_{secrets.token_hex(4)}",
        "GL_DB_PASSWORD": secrets.token_hex(16),
        "GL_DB_ADDRESS": f"{url.host or '127.0.0.1'}:{url.port or 5432}",
        "GL_REDIS_URL": os.environ.get("GROUPLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "GL_PORT": str(free_port()),
        "GL_HTTP_PORT": str(free_port()),
        "GL_NGINX": str(nginx_dir),
        # Nothing listens there: the test asks for no sign-in code.
        "GL_CODE_URL": f"http://127.0.0.1:{free_port()}/grouplink-code",
        "GL_CODE_SECRET": secrets.token_hex(32),
    }


def start_unit(
    block: Block, defaults: dict[str, str], names: dict[str, str], tmp: Path
) -> subprocess.Popen[bytes]:
    """What systemd would run: the unit's ExecStart, in its WorkingDirectory, with only
    its EnvironmentFile (and systemd's PATH), in the test's folders instead of the
    guide's. Then wait until it answers."""
    unit = unit_of(block)

    def here(path: str) -> str:
        for name in ("GL_HOME", "GL_ETC", "GL_VAR"):
            path = path.replace(defaults[name], names[name])
        return path

    command = shlex.split(here(unit.exec_start))
    assert command[0] == f"{names['GL_HOME']}/bin/grouplink", unit.exec_start
    assert Path(here(unit.environment_file)) == Path(names["GL_ETC"]) / "grouplink.env"
    workdir = Path(here(unit.working_directory))
    workdir.mkdir(parents=True, exist_ok=True)  # useradd --create-home, in the guide
    private_tmp = tmp / "private-tmp"  # PrivateTmp=yes
    private_tmp.mkdir()
    env = {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "TMPDIR": str(private_tmp)}
    env |= read_env_file(Path(here(unit.environment_file)))
    log_path = tmp / "grouplink.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_healthy(proc, f"http://127.0.0.1:{names['GL_PORT']}", log_path, timeout=120)
    except BaseException:
        stop_process_groups([proc])
        raise
    started = f"grouplink on https://{names['GL_DOMAIN']} (PostgreSQL, 4 workers)"
    assert started in log_path.read_text()  # the line the guide shows from the journal
    return proc


def start_nginx(binary: str, names: dict[str, str], tmp: Path) -> subprocess.Popen[bytes]:
    """`nginx -t && systemctl reload nginx`, for an nginx of the test's own."""
    conf = nginx.main_conf(tmp / "nginx-run", Path(names["GL_NGINX"]))
    nginx.check_conf(binary, conf)
    proc = nginx.start(binary, conf)
    try:
        base = f"http://127.0.0.1:{names['GL_HTTP_PORT']}"
        wait_until_healthy(proc, base, conf.parent / "nginx.out", timeout=30)
    except BaseException:
        stop_process_groups([proc])
        raise
    return proc


def check_through_nginx(names: dict[str, str], output: str) -> None:
    printed = [printed_json(line) for line in output.splitlines()]
    business = next(p for p in printed if "phone_number_id" in p)
    token = next(p for p in printed if set(p) == {"token_id", "token"})["token"]
    public_url = f"https://{names['GL_DOMAIN']}"
    assert business["base_url"] == public_url + "/v23.0"
    door = Door(f"http://127.0.0.1:{names['GL_HTTP_PORT']}", names["GL_DOMAIN"])
    check_ready(door)
    made = drive_graph(door, token, business["phone_number_id"], public_url)
    check_visitors_apart(door, made)
    check_link_page(door, made, token, secure_cookies=True)  # the public URL is https
    check_production_profile(door, token, business["business_id"], made)


def printed_json(line: str) -> dict[str, Any]:
    """A JSON object the commands printed on this line, or {}."""
    try:
        found = json.loads(line)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def check_visitors_apart(door: Door, made: Made) -> None:
    """Two visitors on two addresses, both reaching nginx: one uses up the link page's
    per-address limit and gets 429; the other is still served. Without
    GROUPLINK_TRUSTED_PROXIES both would be nginx's 127.0.0.1 and share one count."""
    limit = parse(str(Settings.model_fields["rate_link_page"].default)).amount
    one, other = (f"127.{secrets.randbelow(250) + 2}.{secrets.randbelow(250)}.{n}" for n in (7, 8))

    def visitor(address: str) -> httpx.Client:
        return door.client(transport=httpx.HTTPTransport(local_address=address))

    with visitor(one) as browser:
        answers = [browser.get(f"/{made.code}").status_code for _ in range(limit + 1)]
    assert answers == [200] * limit + [429], answers
    with visitor(other) as browser:
        assert browser.get(f"/{made.code}").status_code == 200
