"""README.md and docs/api.md, followed top to bottom as a reader would: their sh blocks
in order in one bash session, in a fresh folder, against the server the README's Quick
start starts (``./scripts/serve``, SQLite in ./grouplink-data) on a free port chosen
once with GROUPLINK_PORT, as the README says. Each block must succeed, and what it
prints must have the shape of the output the doc shows under it (tests/docs/blocks.py
and shape.py say how a doc marks its blocks and what "shape" means)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from tests.conftest import free_port
from tests.docs import session
from tests.docs.blocks import REPO, SavedFile, Step, steps
from tests.docs.shape import output_difference

DOCS = (REPO / "README.md", REPO / "docs" / "api.md")
_LOCAL = re.compile(r"//(?:127\.0\.0\.1|localhost):(\d+)")


def test_readme_and_api_doc_run_as_written(tmp_path: Path) -> None:
    found: list[Step] = []
    files: list[SavedFile] = []
    for doc in DOCS:
        doc_steps, doc_files = steps(doc)
        found += doc_steps
        files += doc_files
    assert [step.where for step in found if step.background] == [found[0].where], (
        "the README's first block starts the server, and nothing else runs in the background"
    )
    home = reader_folder(tmp_path, files)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROUPLINK_")}
    port = free_port()
    env["GROUPLINK_PORT"] = str(port)  # the one setting the README has the reader pick

    outcome = session.run(found, home, env, timeout=240)
    problems = [
        problem
        # outputs stops where the session did
        for step, output in zip(found, outcome.outputs, strict=False)
        for problem in (compared(step, output), off_port(step, output, port))
        if problem
    ]
    if outcome.failed:
        problems.append(outcome.failed)
    assert not problems, "\n\n".join(problems)


def compared(step: Step, output: str) -> str | None:
    """Why the step's output is not what its doc shows, or None. A block the doc shows no
    output for must print nothing: what a reader sees is in the doc."""
    if step.shown is None:
        if not output.strip():
            return None
        return (
            f"{step.where}:\n{step.fence.text}--- the doc shows no output right under it, "
            f"but it printed:\n{output}"
        )
    if step.background:  # the server goes on logging: the doc shows how its log starts
        output = "\n".join(output.splitlines()[: len(step.shown.text.splitlines())])
    difference = output_difference(step.shown.lang, step.shown.text, output)
    if difference is None:
        return None
    return (
        f"{step.where}:\n{step.fence.text}--- the doc shows ({step.shown.lang or 'text'}):\n"
        f"{step.shown.text}--- it printed:\n{output}\n--- {difference}"
    )


def off_port(step: Step, output: str, port: int) -> str | None:
    """Why the step's output names a local server on another port than the one picked,
    or None: shapes mask the port, but the README promises that picking it once for
    the server tells the CLI (its base_url) and every link too."""
    others = sorted(set(_LOCAL.findall(output)) - {str(port)})
    if not others:
        return None
    said = ", ".join(others)
    return f"{step.where}: GROUPLINK_PORT is {port}, but it printed port {said}:\n{output}"


def reader_folder(tmp: Path, files: list[SavedFile]) -> Path:
    """A clone as the reader has it after the Quick start's first run: the scripts, and
    .venv with grouplink in it (this test's own environment), and nothing else."""
    home = tmp / "clone"
    home.mkdir()
    (home / ".venv").symlink_to(Path(sys.prefix))
    (home / "scripts").symlink_to(REPO / "scripts")
    for saved in files:
        (home / saved.name).write_text(saved.text)
    return home
