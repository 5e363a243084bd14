"""The peer: Prism (npm ``@stoplight/prism-cli``) mocking Meta's own OpenAPI spec,
which is what a developer would run instead of grouplink to test an integration.

Installed on first use into ``bench/.prism`` with npm. Anything missing (npm, the
spec) is reported as a reason, never raised: the benchmark then prints n/a.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.serving.server import ROOT, children, free_port, stop_group

PACKAGE = "@stoplight/prism-cli@5"
HOME = ROOT / "bench" / ".prism"
BINARY = HOME / "node_modules" / ".bin" / "prism"
SPEC_NAME = "business-messaging-api_v23.0.yaml"
SPEC_PLACES = (
    Path("/work/shared/reference") / SPEC_NAME,
    ROOT.parent / "shared" / "reference" / SPEC_NAME,
)
# Meta's example token shape; Prism checks that a bearer token is there, not its value.
TOKEN = "EAABwzLixnjYBOzYmNMJJGfHq9DgNh"


def find_spec(given: Path | None) -> Path | None:
    for place in (given,) if given else SPEC_PLACES:
        if place is not None and place.is_file():
            return place
    return None


def install() -> str | None:
    """Prism's executable, installed if need be; None and a reason when it cannot be."""
    if BINARY.exists():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed, so Prism cannot be"
    HOME.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--prefix", str(HOME), "--no-audit", "--no-fund", PACKAGE],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0 or not BINARY.exists():
        return f"npm install {PACKAGE} failed: {done.stderr.strip()[-300:]}"
    return None


class Prism:
    """``prism mock SPEC`` on a free port, as a developer starts it."""

    def __init__(self, spec: Path, workdir: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "prism.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [str(BINARY), "mock", str(spec), "-h", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prism exited: {self.log_path.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.base_url + "/", timeout=1)
            except urllib.error.HTTPError:
                return  # it answers (404 for a path the spec lacks)
            except OSError:
                time.sleep(0.2)
                continue
            return
        raise RuntimeError(f"prism did not start in {timeout:g} s")

    def pids(self) -> list[int]:
        """Prism's processes: the one started and any it started."""
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo += children(pid)
        return found

    def stop(self) -> None:
        stop_group(self.proc, 10)


def start(spec_path: Path | None, workdir: Path) -> tuple[Prism | None, str]:
    """A running Prism, or None and why not."""
    spec = find_spec(spec_path)
    if spec is None:
        places = [str(spec_path)] if spec_path else [str(p) for p in SPEC_PLACES]
        return None, f"Meta's spec is not at {' or '.join(places)}"
    problem = install()
    if problem is not None:
        return None, problem
    prism = Prism(spec, workdir)
    try:
        prism.wait_ready()
    except RuntimeError as error:
        prism.stop()
        return None, str(error)
    return prism, f"prism mock {spec}"
