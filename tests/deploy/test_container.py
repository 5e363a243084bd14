"""The image of the repository's Containerfile, built with podman and started against
this machine's PostgreSQL (a fresh database) and Redis, as docs/deployment.md, "In
a container", describes: the API and the link page through its port, the server
running as grouplink (uid 10001), the health check on /readyz, the data folder a
volume that user can write; and compose.yaml read by podman-compose."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import free_port
from tests.deploy.drive import (
    Door,
    check_link_page,
    check_production_profile,
    check_ready,
    drive_graph,
)
from tests.deploy.podman import (
    BASE_IMAGE,
    ensure_base_image,
    logs,
    missing_tools,
    podman,
    podman_env,
)
from tests.deploy.shell import REPO, admin
from tests.support import _admin

UID = 10001  # the Containerfile's grouplink user
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The image, built from the checkout on the debootstrapped base; removed afterwards."""
    missing = missing_tools()
    if missing:
        pytest.skip(f"missing {', '.join(missing)} (apt-get install podman runc debootstrap)")
    env = podman_env(tmp_path_factory.mktemp("podman"))
    ensure_base_image(env)
    tag = f"localhost/grouplink:test-{secrets.token_hex(4)}"
    build = ["build", "--format", "docker", "--build-arg", f"BASE={BASE_IMAGE}", "-t", tag]
    if CA_BUNDLE.is_file():
        # This machine's HTTPS goes through a proxy of its own: pip needs its CA bundle,
        # mounted for the build's RUN steps only, never copied into the image.
        build += [
            "-v",
            f"{CA_BUNDLE}:/run/pip-ca.crt:ro",
            "--build-arg",
            "PIP_CERT=/run/pip-ca.crt",
        ]
    podman(env, *build, "-f", str(REPO / "Containerfile"), str(REPO), timeout=1200)
    try:
        yield tag, env
    finally:
        subprocess.run(["podman", "rmi", "-f", tag], env=env, capture_output=True)


def test_the_image_serves_as_documented(image: tuple[str, dict[str, str]]) -> None:
    tag, env = image
    inspected = json.loads(podman(env, "image", "inspect", tag))[0]
    assert "/readyz" in json.dumps(inspected)  # the HEALTHCHECK survived (docker format)
    config = inspected["Config"]
    assert config["User"] == "grouplink"
    assert "/var/lib/grouplink" in config["Volumes"]
    assert "8000/tcp" in config["ExposedPorts"]
    assert "PIP_CERT" not in " ".join(config.get("Env", []))

    db = f"gl_image_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{db}"'))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    name = f"grouplink-test-{secrets.token_hex(4)}"
    settings = {
        "GROUPLINK_DATABASE_URL": admin().set(database=db).render_as_string(hide_password=False),
        "GROUPLINK_REDIS_URL": os.environ.get(
            "GROUPLINK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"
        ),
        "GROUPLINK_PROFILE": "production",
        "GROUPLINK_HOST": "127.0.0.1",  # the host's network: keep it to this machine
        "GROUPLINK_PORT": str(port),
        "GROUPLINK_PUBLIC_URL": base,
        # Production will not start with the log sender; nothing listens here, and the
        # test asks for no sign-in code.
        "GROUPLINK_CODE_SENDER": "webhook",
        "GROUPLINK_CODE_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/grouplink-code",
        "GROUPLINK_CODE_WEBHOOK_SECRET": secrets.token_hex(32),
    }
    run = ["run", "-d", "--name", name, "--network", "host"]
    for key, value in settings.items():
        run += ["-e", f"{key}={value}"]
    try:
        podman(env, *run, tag)
        wait_until_ready(env, name, base)
        # The server, PID 1 in the container after the entrypoint's exec, seen from the host.
        pid = podman(env, "inspect", "--format", "{{.State.Pid}}", name).strip()
        status = Path(f"/proc/{pid}/status").read_text()
        assert f"Uid:\t{UID}\t{UID}\t{UID}\t{UID}" in status, status
        assert b"grouplink\0serve" in Path(f"/proc/{pid}/cmdline").read_bytes()
        health = subprocess.run(
            ["podman", "healthcheck", "run", name], env=env, capture_output=True, text=True
        )
        assert health.returncode == 0, health.stdout + health.stderr

        made_business = json.loads(podman(env, "exec", name, "grouplink", "demo", "--json"))
        assert made_business["base_url"] == base + "/v23.0"
        door = Door(base)
        check_ready(door)
        token = made_business["token"]
        made = drive_graph(door, token, made_business["phone_number_id"], base)
        check_link_page(door, made, token, secure_cookies=False)  # plain http here
        check_production_profile(door, token, made_business["business_id"], made)
        said = logs(env, name)
        assert "database is up to date" in said, said  # the entrypoint migrated first
    finally:
        subprocess.run(["podman", "rm", "-f", "-v", "-t", "10", name], env=env, capture_output=True)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


def test_the_data_folder_is_a_volume_grouplink_writes(image: tuple[str, dict[str, str]]) -> None:
    """With no database URL, the SQLite file goes to the volume, owned by grouplink."""
    tag, env = image
    volume = f"grouplink-test-{secrets.token_hex(4)}"
    try:
        podman(
            env,
            "run",
            "--rm",
            "-v",
            f"{volume}:/var/lib/grouplink",
            "--entrypoint",
            "grouplink",
            tag,
            "migrate",
        )
        mount = Path(
            podman(env, "volume", "inspect", "--format", "{{.Mountpoint}}", volume).strip()
        )
        stat = (mount / "grouplink.db").stat()
        assert (stat.st_uid, stat.st_gid) == (UID, UID)
    finally:
        subprocess.run(["podman", "volume", "rm", "-f", volume], env=env, capture_output=True)


def test_compose_file_reads_whole() -> None:
    """compose.yaml: grouplink after healthy PostgreSQL and Redis, named volumes; and
    podman-compose reads it (its `config` resolves every variable)."""
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"grouplink", "postgres", "redis"}
    assert services["grouplink"]["build"] == "."
    assert services["grouplink"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert all("healthcheck" in services[s] for s in ("postgres", "redis"))
    assert set(compose["volumes"]) == {"grouplink-data", "postgres-data"}
    assert "grouplink-data:/var/lib/grouplink" in services["grouplink"]["volumes"]

    tool = shutil.which(
        "podman-compose", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    )
    if tool is None:
        pytest.skip("podman-compose is not installed (pip install podman-compose)")
    env = {
        **os.environ,
        "POSTGRES_PASSWORD": "s3cret-for-the-test",
        "GROUPLINK_CODE_WEBHOOK_URL": "https://sms.example.com/grouplink-code",
        "GROUPLINK_CODE_WEBHOOK_SECRET": "a-secret-for-the-test",
    }
    read = subprocess.run(
        [tool, "-f", str(REPO / "compose.yaml"), "config"],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert read.returncode == 0, read.stdout + read.stderr
    resolved = yaml.safe_load(read.stdout)
    environment = resolved["services"]["grouplink"]["environment"]
    url = environment["GROUPLINK_DATABASE_URL"]
    assert url == "postgresql://grouplink:s3cret-for-the-test@postgres:5432/grouplink"
    assert environment["GROUPLINK_CODE_SENDER"] == "webhook"  # production needs a sender


def wait_until_ready(env: dict[str, str], name: str, base: str, timeout: float = 180) -> None:
    """Until /readyz answers 200; fails at once with the logs if the container stops."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = podman(env, "inspect", "--format", "{{.State.Running}}", name).strip()
        if state != "true":
            pytest.fail(f"the container stopped:\n{logs(env, name)}")
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)  # polling, not synchronisation: the loop ends on the answer
    pytest.fail(f"not ready in {timeout:g} s:\n{logs(env, name)}")
