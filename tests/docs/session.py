"""The steps of the docs run as one reader's bash session: in a folder of their own,
one after another in one bash process (so variables carry over), each step's output
kept apart so it can be set against what the doc shows."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.docs.blocks import Step

# How long a background step (the server) has to answer /healthz.
START_SECONDS = 60


@dataclass(frozen=True)
class Outcome:
    outputs: list[str]  # of each step that finished, in order
    failed: str | None  # why the session stopped early, or None


def script_of(steps: list[Step], out: Path) -> str:
    """One bash script: each step's text with its output in ``out/N``; a background
    step is left running once the server on GROUPLINK_PORT answers."""
    lines = []
    for number, step in enumerate(steps):
        target = out / str(number)
        lines.append(f"echo {number} > {out}/at")
        if step.background:
            lines += [
                f"{{\n{step.fence.text}}} > {target} 2>&1 &",
                f"for _ in $(seq {START_SECONDS * 10}); do",
                '  curl -sf -o /dev/null "http://127.0.0.1:$GROUPLINK_PORT/healthz" && break',
                "  sleep 0.1",
                "done",
                'curl -sf -o /dev/null "http://127.0.0.1:$GROUPLINK_PORT/healthz"',
            ]
        else:
            lines.append(f"{{\n{step.fence.text}}} > {target} 2>&1")
    lines.append(f"echo done > {out}/at")
    return "\n".join(lines) + "\n"


def run(steps: list[Step], home: Path, env: dict[str, str], timeout: float) -> Outcome:
    out = home.parent / "outputs"
    out.mkdir()
    script = home.parent / "docs.sh"
    script.write_text(script_of(steps, out))
    log = home.parent / "bash.log"
    with open(log, "wb") as said:
        proc = subprocess.Popen(
            ["bash", "-euo", "pipefail", str(script)],
            cwd=home,
            env=env,
            stdout=said,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        stop_group(proc)
    outputs = []
    for number in range(len(steps)):
        path = out / str(number)
        if path.exists():
            outputs.append(path.read_text())
    at = (out / "at").read_text().strip() if (out / "at").exists() else ""
    if code == 0 and at == "done":
        return Outcome(outputs, None)
    why = f"timed out after {timeout:g} s" if code is None else f"exited with {code}"
    if at == "done" or not at.isdigit():
        return Outcome(outputs, f"the session {why}: {log.read_text()}")
    step = steps[int(at)]
    printed = outputs[int(at)] if int(at) < len(outputs) else ""
    return Outcome(
        outputs[: int(at)],  # the steps that finished
        f"the session {why} at {step.where}:\n{step.fence.text}--- it said:\n{printed}"
        f"{log.read_text()}",
    )


def stop_group(proc: subprocess.Popen[bytes], grace: float = 10) -> None:
    """SIGTERM to the session's process group (bash and the server it left running),
    then SIGKILL to whatever is still there after ``grace`` seconds."""
    deadline = time.monotonic() + grace
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the group's id is bash's pid
        while time.monotonic() < deadline:
            proc.poll()  # reap bash, so that only the living are left in the group
            os.killpg(proc.pid, 0)
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # nobody left in the group
    proc.wait()
