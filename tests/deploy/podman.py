"""Building and running the image with podman on a machine that reaches no image
registry (see /work/shared/CONTAINERS.md in the project's notes): a Debian root made
with debootstrap, cached between runs and imported as the base image; runc and the
resource limits this kind of machine allows."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

BASE_IMAGE = "localhost/debian-base:bookworm"
CACHE = Path(os.environ.get("GROUPLINK_TEST_DEBIAN_BASE", "/var/tmp/grouplink-debian-base"))
MIRROR_FALLBACK = "http://deb.debian.org/debian"

CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
"""


def missing_tools() -> list[str]:
    return [tool for tool in ("podman", "runc", "debootstrap") if tool_path(tool) is None]


def tool_path(tool: str) -> str | None:
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")


def podman_env(tmp: Path) -> dict[str, str]:
    conf = tmp / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    return {**os.environ, "CONTAINERS_CONF": str(conf)}


def podman(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run podman; its standard output, or an assertion that says what it said."""
    done = subprocess.run(
        ["podman", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"podman {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout


def logs(env: dict[str, str], container: str) -> str:
    """What the container wrote, its standard error (where grouplink logs) included."""
    done = subprocess.run(["podman", "logs", container], env=env, capture_output=True, text=True)
    return done.stdout + done.stderr


def mirror() -> str:
    """The Debian mirror this machine's apt uses."""
    sources = sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for path in [*sources, Path("/etc/apt/sources.list")]:
        if path.is_file():
            found = re.search(r"^(?:URIs:\s*|deb\s+)(\S+/debian)/?\s", path.read_text(), re.M)
            if found:
                return found[1]
    return MIRROR_FALLBACK


def ensure_base_image(env: dict[str, str]) -> None:
    """localhost/debian-base:bookworm from a minbase root under CACHE (made once)."""
    exists = subprocess.run(["podman", "image", "exists", BASE_IMAGE], env=env)
    if exists.returncode == 0:
        return
    root = CACHE / "rootfs"
    done = CACHE / "rootfs.complete"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        boot = subprocess.run(
            ["debootstrap", "--variant=minbase", "bookworm", str(root), mirror()],
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert boot.returncode == 0, boot.stdout[-3000:] + boot.stderr[-3000:]
        done.touch()
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    imported = subprocess.run(
        ["podman", "import", "-", BASE_IMAGE], stdin=tar.stdout, env=env, capture_output=True
    )
    assert tar.stdout is not None
    tar.stdout.close()
    assert tar.wait() == 0 and imported.returncode == 0, imported.stderr
