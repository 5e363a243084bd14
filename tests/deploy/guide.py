"""docs/deployment.md as the test reads it: its fenced blocks marked ``deploy-test``.

A block's info string says what it is for: ``sh deploy-test`` is run; ``sh
deploy-test=names`` holds the names the rest of the guide uses (the test gives its
own values for the same names); ``ini deploy-test=unit`` is the systemd unit (the
test runs its ExecStart); ``sh deploy-test=reload-nginx`` is where the guide loads
nginx's configuration (the test starts its own nginx there). Unmarked blocks are
for reading only.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from pathlib import Path

from tests.docs.blocks import REPO, fences

DOC = REPO / "docs" / "deployment.md"
MARK = "deploy-test"

_NAME = re.compile(r"^(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>\S+)", re.M)


@dataclass(frozen=True)
class Block:
    lang: str
    role: str  # run, names, unit, reload-nginx
    text: str


def marked_blocks(doc: Path = DOC) -> list[Block]:
    """The doc's marked blocks, in order."""
    found = []
    for fence in fences(doc):
        role = fence.mark(MARK)
        if role is not None:
            found.append(Block(fence.lang, role or "run", fence.text))
    return found


def names_of(block: Block) -> dict[str, str]:
    """NAME=value lines of the names block, values as written (unexpanded)."""
    return {m["name"]: m["value"] for m in _NAME.finditer(block.text)}


@dataclass(frozen=True)
class Unit:
    user: str
    exec_start: str
    environment_file: str
    working_directory: str


def unit_of(block: Block) -> Unit:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(block.text)
    service = parser["Service"]
    return Unit(
        service["User"],
        service["ExecStart"],
        service["EnvironmentFile"],
        service["WorkingDirectory"],
    )


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as systemd's EnvironmentFile= reads the ones the guide writes."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found[key] = value
    return found
